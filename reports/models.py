"""What staff add to the figures: picked cases, report templates, assessment schemes and
score adjustments. The figures themselves are never stored (proposals.statistics)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import Congress, Department, Proposal, Session
from proposals.statistics import Scope
from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet

if TYPE_CHECKING:
    from tracker.models import User


class ReportCaseQuerySet(models.QuerySet["ReportCase"]):
    def current(self) -> ReportCaseQuerySet:
        return self.filter(removed_at=None)

    def of_scope(self, scope: Scope) -> ReportCaseQuerySet:
        """The cases of the scope's suggestions (a year's report holds its sessions' cases)."""
        return self.filter(scope.proposal_filter("proposal__"))


class ReportCase(models.Model):
    """A suggestion staff picked as a case for the annual report, with a short text."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="report_cases", verbose_name=_("suggestion")
    )
    text = models.TextField(_("case text"), max_length=2000)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    # Removing a case keeps its row (nothing is hard-deleted): who took it out, and when.
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = ReportCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("report case")
        verbose_name_plural = _("report cases")
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(removed_at=None), name="reports_reportcase_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} {self.proposal.title}"

    def remove(self, *, by: User) -> bool:
        """Take the case out of the report; False if someone already did."""
        now = timezone.now()
        return bool(
            ReportCase.objects.filter(pk=self.pk, removed_at=None).update(removed_at=now, removed_by=by)
        )


class ReportTemplate(models.Model):
    """A congress's own .docx template for the annual report; the newest one not set
    aside is used, else the default shipped in reports/docx/."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="report_templates", verbose_name=_("congress")
    )
    file = models.FileField(_("template"), upload_to="report-templates/%Y/")
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    set_aside_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    set_aside_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def current_for(cls, congress: Congress | None) -> ReportTemplate | None:
        if congress is None:
            return None
        return cls.objects.filter(congress=congress, set_aside_at=None).first()


def _weight(verbose: Any, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose, default=default, validators=[MaxValueValidator(100)])


class AssessmentScheme(models.Model):
    """How a congress scores its units (考核): a weight per component and how small
    volumes are treated. Without a saved scheme the defaults below apply."""

    congress = models.OneToOneField(
        Congress, on_delete=models.PROTECT, related_name="assessment_scheme", verbose_name=_("congress")
    )
    weight_on_time = _weight(_("weight: replied on time"), 30)
    weight_satisfaction = _weight(_("weight: satisfaction"), 30)
    weight_communication = _weight(_("weight: communication"), 15)
    weight_promises = _weight(_("weight: promises kept"), 15)
    weight_rehandling = _weight(_("weight: no re-handling"), 10)
    prior_strength = models.PositiveSmallIntegerField(
        _("shrinkage strength"),
        default=5,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "Each unit's rate is pulled toward the mean of all units as if it had this many "
            "more suggestions at the mean rate: a unit with 3 suggestions moves a lot, one "
            "with 300 hardly at all. 0 uses the raw rates."
        ),
    )
    min_volume = models.PositiveSmallIntegerField(
        _("minimum volume"),
        default=5,
        validators=[MaxValueValidator(10000)],
        help_text=_("Units with fewer suggestions are flagged: their score rests on little evidence."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_on_time__lte=100,
                    weight_satisfaction__lte=100,
                    weight_communication__lte=100,
                    weight_promises__lte=100,
                    weight_rehandling__lte=100,
                ),
                name="reports_assessmentscheme_weights_at_most_100",
            )
        ]

    def __str__(self) -> str:
        return str(self.congress)

    @classmethod
    def for_congress(cls, congress: Congress | None) -> AssessmentScheme:
        """The congress's scheme, or an unsaved one with the defaults."""
        if congress is not None:
            scheme = cls.objects.filter(congress=congress).first()
            if scheme is not None:
                return scheme
        return cls(congress=congress)

    SETTINGS = (
        "weight_on_time",
        "weight_satisfaction",
        "weight_communication",
        "weight_promises",
        "weight_rehandling",
        "prior_strength",
        "min_volume",
    )

    def settings_values(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.SETTINGS}

    @transaction.atomic
    def change(self, values: dict[str, int], *, by: User) -> AssessmentSchemeChange | None:
        """Save new settings and record the change (who, when, from, to); None if nothing changed."""
        before = self.settings_values()
        if self.pk is not None:
            before = AssessmentScheme.objects.select_for_update().get(pk=self.pk).settings_values()
        after = {**before, **{name: values[name] for name in self.SETTINGS if name in values}}
        if after == before and self.pk is not None:
            return None
        for name, value in after.items():
            setattr(self, name, value)
        self.updated_by, self.updated_at = by, timezone.now()
        self.save()
        return AssessmentSchemeChange.objects.create(scheme=self, changed_by=by, before=before, after=after)

    def weights(self) -> dict[str, int]:
        return {
            "on_time": self.weight_on_time,
            "satisfaction": self.weight_satisfaction,
            "communication": self.weight_communication,
            "promises": self.weight_promises,
            "rehandling": self.weight_rehandling,
        }


class AssessmentSchemeChange(AppendOnlyModel):
    """A change of a congress's scoring scheme: the settings before and after."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("assessment scheme"),
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment scheme change")
        verbose_name_plural = _("assessment scheme changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.scheme} {self.changed_at:%Y-%m-%d %H:%M}"

    def differences(self) -> list[tuple[str, object, object]]:
        """(setting's label, from, to) for each setting that changed."""
        labels = {field.name: str(field.verbose_name) for field in AssessmentScheme._meta.fields}
        return [
            (labels.get(name, name), self.before.get(name), value)
            for name, value in self.after.items()
            if self.before.get(name) != value
        ]


class AssessmentAdjustment(AppendOnlyModel):
    """Points staff add to or take from a unit's score for a year or a session, with the
    reason. Append-only: a mistaken adjustment is answered by another one."""

    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("session")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="assessment_adjustments",
        verbose_name=_("department"),
    )
    points = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    reason = models.TextField(_("reason"), max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment adjustment")
        verbose_name_plural = _("assessment adjustments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(year__isnull=False, session__isnull=True) | Q(year__isnull=True, session__isnull=False)
                ),
                name="reports_assessmentadjustment_year_or_session",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=-100, points__lte=100),
                name="reports_assessmentadjustment_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.points:+}"

    @classmethod
    def of_scope(cls, scope: Scope) -> models.QuerySet[AssessmentAdjustment]:
        if scope.session is not None:
            return cls.objects.filter(session=scope.session, year=None)
        return cls.objects.filter(session=None, year=scope.year)
