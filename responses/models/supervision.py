"""Key-suggestion supervision (重点督办 / 专项督办): themes that group suggestions across
sessions and units, their plan and milestones, the supervision activities held, the
actions agreed there (each a dated duty the reminder scan watches) and the special
report assembled from the record."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from proposals.models import Assignment, Congress, Department, Proposal
from responses.evidence import check_evidence
from tracker.appendonly import AppendOnlyModel, AppendOnlyQuerySet
from tracker.workflow import (
    STAFF,
    InvalidTransition,
    Transition,
    Workflow,
    check_staff,
    deadlines_changed,
    guarded_update,
    unit,
)

if TYPE_CHECKING:
    from tracker.models import User


def default_plan_due(congress: Congress, year: int) -> date:
    """The plan date of design.md §4 (31 May of the theme's year by default)."""
    return _month_day(congress.supervision_plan_due, year)


def default_report_due(congress: Congress, year: int) -> date:
    """The report date of design.md §4 (31 January of the next year by default)."""
    return _month_day(congress.supervision_report_due, year + 1)


def _month_day(value: str, year: int) -> date:
    month, day = (int(part) for part in value.split("-"))
    for d in (day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(value)


class ThemeQuerySet(models.QuerySet["SupervisionTheme"]):
    def visible_to(self, user: User) -> ThemeQuerySet:
        """Staff see every theme; a supervising leader theirs; a unit the themes it takes
        part in (named as a unit, or handling one of the theme's suggestions). Deputies
        follow their own suggestions on their pages, not the office's supervision files."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        conditions = Q(supervisor=user)
        if user.is_department_user and user.department_id is not None:
            conditions |= self.involving_q(user.department_id)
        return self.filter(conditions)

    @staticmethod
    def involving_q(department_id: int) -> Q:
        handles = ThemeSuggestion.objects.filter(
            theme=OuterRef("pk"),
            removed_at=None,
            proposal__assignments__department_id=department_id,
        ).exclude(proposal__assignments__status=Assignment.Status.WITHDRAWN)
        named = SupervisionTheme.other_departments.through.objects.filter(
            supervisiontheme_id=OuterRef("pk"), department_id=department_id
        )
        acts = SupervisionAction.objects.filter(theme=OuterRef("pk"), department_id=department_id)
        return Q(lead_department_id=department_id) | Q(Exists(named)) | Q(Exists(handles)) | Q(Exists(acts))


class SupervisionTheme(models.Model):
    """A supervision theme (督办专题): several suggestions followed together by a leader or
    committee, with a plan, activities and a special report."""

    class Kind(models.TextChoices):
        KEY = "key", _("key supervision (重点督办)")
        SPECIAL = "special", _("special supervision (专项督办)")

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="supervision_themes", verbose_name=_("congress")
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.KEY)
    supervising_leader = models.CharField(
        _("supervising leader or committee"), max_length=100, help_text=_("A person or a special committee.")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_themes",
        verbose_name=_("supervising leader's account"),
        help_text=_("Sees the theme on their home page and hears of overdue actions."),
    )
    lead_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit")
    )
    other_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("other units")
    )
    plan = models.TextField(_("supervision plan"), blank=True)
    plan_due_on = models.DateField(_("plan due on"))
    report_due_on = models.DateField(_("report due on"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("staff running it")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision theme")
        verbose_name_plural = _("supervision themes")
        ordering = ["-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["key", "special"]), name="responses_supervisiontheme_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(report_due_on__gte=models.F("plan_due_on")),
                name="responses_supervisiontheme_report_after_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision:theme", args=[self.pk])

    # -- reading ------------------------------------------------------------------

    def active_suggestions(self) -> models.QuerySet[ThemeSuggestion]:
        return self.memberships.filter(removed_at=None).select_related("proposal", "proposal__session")

    def department_ids(self) -> set[int]:
        """Every unit taking part: named on the theme or handling one of its suggestions."""
        ids = {self.lead_department_id, *self.other_departments.values_list("pk", flat=True)}
        ids |= set(
            Assignment.objects.filter(
                proposal__theme_memberships__theme=self, proposal__theme_memberships__removed_at=None
            )
            .exclude(status=Assignment.Status.WITHDRAWN)
            .values_list("department_id", flat=True)
        )
        return ids

    def departments(self) -> models.QuerySet[Department]:
        return Department.objects.filter(pk__in=self.department_ids()).order_by("name")

    def may_manage(self, user: User) -> bool:
        return user.is_authenticated and user.is_congress_staff

    # -- staff's changes ------------------------------------------------------------

    def record(
        self, kind: str, *, by: User | None, action: SupervisionAction | None = None, **data: Any
    ) -> None:
        SupervisionEvent.objects.create(theme=self, kind=kind, actor=by, action=action, data=data)

    def add_suggestions(self, proposals: list[Proposal], *, by: User) -> int:
        """Add suggestions (of any session) to the theme; ones already in it are left alone."""
        check_staff(by)
        added = 0
        with transaction.atomic():
            SupervisionTheme.objects.select_for_update().get(pk=self.pk)
            present = set(self.memberships.filter(removed_at=None).values_list("proposal_id", flat=True))
            for proposal in proposals:
                if proposal.pk in present or proposal.congress_id != self.congress_id:
                    continue
                ThemeSuggestion.objects.create(theme=self, proposal=proposal, added_by=by)
                self.record(SupervisionEvent.Kind.SUGGESTION_ADDED, by=by, number=proposal.number)
                present.add(proposal.pk)
                added += 1
        return added

    def remove_suggestion(self, membership: ThemeSuggestion, *, by: User, reason: str) -> None:
        """Take a suggestion out of the theme: the row stays, marked removed, with the reason."""
        check_staff(by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the suggestion leaves the theme."))
        with transaction.atomic():
            changed = ThemeSuggestion.objects.filter(pk=membership.pk, removed_at=None).update(
                removed_at=timezone.now(), removed_by=by, removal_reason=reason
            )
            if changed != 1:
                raise InvalidTransition(gettext("This suggestion was already taken out of the theme."))
            self.record(
                SupervisionEvent.Kind.SUGGESTION_REMOVED,
                by=by,
                number=membership.proposal.number,
                reason=reason,
            )

    def add_milestone(self, *, by: User, title: str, due_on: date) -> SupervisionMilestone:
        check_staff(by)
        with transaction.atomic():
            milestone = SupervisionMilestone.objects.create(theme=self, title=title, due_on=due_on)
            self.record(SupervisionEvent.Kind.MILESTONE_ADDED, by=by, title=title, due_on=due_on.isoformat())
        return milestone

    def record_activity(
        self, *, by: User, files: list[UploadedFile] | tuple[()] = (), **fields: Any
    ) -> SupervisionActivity:
        """Record a meeting, site visit or hearing with its files (checked by content first)."""
        check_staff(by)
        files = list(files)
        for upload in files:
            try:
                check_evidence(upload)
            except ValidationError as exc:
                raise InvalidTransition(" ".join(exc.messages)) from None
        with transaction.atomic():
            activity = SupervisionActivity.objects.create(theme=self, recorded_by=by, **fields)
            for upload in files:
                checked = check_evidence(upload)
                ActivityFile.objects.create(
                    activity=activity,
                    file=upload,
                    original_name=(upload.name or "")[:255],
                    content_type=checked.content_type,
                    size=checked.size,
                )
            self.record(
                SupervisionEvent.Kind.ACTIVITY_RECORDED,
                by=by,
                activity=activity.kind,
                held_on=activity.held_on.isoformat(),
                place=activity.place,
            )
        return activity

    def report_or_draft(self) -> SupervisionReport:
        """The saved report, or an unsaved draft assembled from the record (for reading)."""
        from responses.letters.supervision import assemble_text, default_signer, report_title

        try:
            return self.report
        except SupervisionReport.DoesNotExist:
            return SupervisionReport(
                theme=self,
                title=report_title(self),
                body=assemble_text(self),
                signed_by=default_signer(self),
            )

    def open_report(self, *, by: User) -> SupervisionReport:
        """The theme's report row, created from the record the first time staff save it."""
        check_staff(by)
        draft = self.report_or_draft()
        if draft.pk is not None:
            return draft
        report, _created = SupervisionReport.objects.get_or_create(
            theme=self,
            defaults={
                "title": draft.title,
                "body": draft.body,
                "signed_by": draft.signed_by,
                "edited_by": by,
            },
        )
        return report

    # -- the board ------------------------------------------------------------------

    def progress(self, today: date | None = None) -> dict[str, Any]:
        """Counts for the board: suggestions answered, actions open and late, late milestones."""
        today = today or timezone.localdate()
        memberships = list(self.memberships.all())
        active = [m for m in memberships if m.removed_at is None]
        answered = sum(
            1 for m in active if m.proposal.status in (Proposal.Status.REPLIED, Proposal.Status.CLOSED)
        )
        actions = list(self.actions.all())
        milestones = list(self.milestones.all())
        report = getattr(self, "report", None)
        late_actions = [a for a in actions if a.status == SupervisionAction.Status.OPEN and a.due_on < today]
        late_milestones = [m for m in milestones if m.done_on is None and m.due_on < today]
        late_report = (
            report is None or report.status != SupervisionReport.Status.FINAL
        ) and self.report_due_on < today
        late: dict[str, Any] = {"actions": late_actions, "milestones": late_milestones, "report": late_report}
        return {
            "suggestions": len(active),
            "answered": answered,
            "percent": round(100 * answered / len(active)) if active else 0,
            "actions": len(actions),
            "actions_done": sum(1 for a in actions if a.status == SupervisionAction.Status.CONFIRMED),
            "late": late,
            "late_count": len(late_actions) + len(late_milestones) + (1 if late_report else 0),
        }


class ThemeSuggestion(models.Model):
    """A suggestion in a theme; taking it out marks the row removed, never deletes it."""

    theme = models.ForeignKey(SupervisionTheme, on_delete=models.PROTECT, related_name="memberships")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="theme_memberships", verbose_name=_("suggestion")
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("suggestion in a theme")
        verbose_name_plural = _("suggestions in themes")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["theme", "proposal"],
                condition=Q(removed_at=None),
                name="responses_themesuggestion_once_per_theme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme} · {self.proposal.number}"


class SupervisionMilestone(models.Model):
    """A dated step of the supervision plan."""

    theme = models.ForeignKey(SupervisionTheme, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title

    def mark_done(self, *, by: User, done_on: date) -> None:
        check_staff(by)
        with transaction.atomic():
            if SupervisionMilestone.objects.filter(pk=self.pk, done_on=None).update(done_on=done_on) != 1:
                raise InvalidTransition(gettext("This milestone is already marked done."))
            self.done_on = done_on
            self.theme.record(
                SupervisionEvent.Kind.MILESTONE_DONE, by=by, title=self.title, done_on=done_on.isoformat()
            )


class SupervisionActivity(models.Model):
    """A supervision meeting, site visit or hearing: when, where, who attended, what was agreed."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("meeting")
        SITE_VISIT = "site_visit", _("site visit")
        HEARING = "hearing", _("hearing")

    theme = models.ForeignKey(SupervisionTheme, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.TextField(_("attended"))
    agreed = models.TextField(_("what was agreed"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("supervision activity")
        verbose_name_plural = _("supervision activities")
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["meeting", "site_visit", "hearing"]),
                name="responses_supervisionactivity_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"

    def agree_action(
        self, *, by: User, department: Department, proposal: Proposal, description: str, due_on: date
    ) -> SupervisionAction:
        """An action agreed at this activity: a dated duty of a unit, reminded like any other."""
        check_staff(by)
        if not description.strip():
            raise InvalidTransition(gettext("Say what the unit is to do."))
        theme = self.theme
        if not theme.memberships.filter(proposal=proposal, removed_at=None).exists():
            raise InvalidTransition(gettext("The suggestion is not in this theme."))
        if department.pk not in theme.department_ids():
            raise InvalidTransition(gettext("The unit takes no part in this theme."))
        with transaction.atomic():
            action = SupervisionAction.objects.create(
                theme=theme,
                activity=self,
                department=department,
                proposal=proposal,
                description=description,
                due_on=due_on,
                created_by=by,
            )
            theme.record(
                SupervisionEvent.Kind.ACTION_AGREED,
                by=by,
                action=action,
                department=department.name,
                due_on=due_on.isoformat(),
                description=description,
            )
            deadlines_changed(action)
        return action


def activity_file_path(instance: ActivityFile, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never trusted as a path."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"supervision/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ActivityFile(models.Model):
    """A file of a supervision activity (minutes, photos), checked by its content when uploaded."""

    activity = models.ForeignKey(SupervisionActivity, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(_("file"), upload_to=activity_file_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity file")
        verbose_name_plural = _("activity files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("supervision:file", args=[self.pk])


def _action_department(action: SupervisionAction) -> int | None:
    return action.department_id


ACTION_UNIT = unit(
    "the responsible department",
    _action_department,
    lambda _obj: gettext("Only the responsible department can do this."),
)


class SupervisionAction(models.Model):
    """An action agreed at a supervision activity: a unit's dated duty until staff confirm it."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        REPORTED = "reported", _("reported done")
        CONFIRMED = "confirmed", _("confirmed")

    theme = models.ForeignKey(SupervisionTheme, on_delete=models.PROTECT, related_name="actions")
    activity = models.ForeignKey(SupervisionActivity, on_delete=models.PROTECT, related_name="actions")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="supervision_actions", verbose_name=_("unit")
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="supervision_actions", verbose_name=_("suggestion")
    )
    description = models.TextField(_("agreed action"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    report = models.TextField(_("what was done"), blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    workflow = Workflow(
        (
            Transition("report", frozenset({Status.OPEN}), Status.REPORTED, (ACTION_UNIT,)),
            Transition("confirm", frozenset({Status.REPORTED}), Status.CONFIRMED, (STAFF,)),
            Transition("reopen", frozenset({Status.REPORTED}), Status.OPEN, (STAFF,)),
        ),
        not_now=lambda obj: (
            gettext("This action is %(status)s; that step is not possible now.")
            % {"status": obj.get_status_display()}
        ),
    )

    class Meta:
        verbose_name = _("agreed action")
        verbose_name_plural = _("agreed actions")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "reported", "confirmed"]),
                name="responses_supervisionaction_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.description[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:theme", args=[self.theme_id]) + f"#action-{self.pk}"

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this action now (report, confirm, reopen)."""
        return self.workflow.allowed(self, user, today=today)

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())

    def report_done(self, *, by: User, report: str) -> None:
        """The unit reports the action done; staff then confirm it or send it back."""
        self.workflow.check(self, "report", by)
        if not report.strip():
            raise InvalidTransition(gettext("Say what was done."))
        self._transit(
            "report", by=by, fields={"report": report, "reported_at": timezone.now()}, reason=report
        )

    def confirm(self, *, by: User) -> None:
        """Staff accept the unit's report: the action is done."""
        self._transit("confirm", by=by, fields={"confirmed_by": by, "confirmed_at": timezone.now()})

    def reopen(self, *, by: User, reason: str) -> None:
        """Staff send the report back: the action is open again and reminded again."""
        self.workflow.check(self, "reopen", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the report is not enough."))
        self._transit("reopen", by=by, fields={"reported_at": None}, reason=reason)

    def _transit(self, name: str, *, by: User, fields: dict[str, Any], reason: str = "") -> None:
        transition = self.workflow.check(self, name, by)
        expected = self.status
        with transaction.atomic():
            guarded_update(self, transition, expected=expected, fields=fields)
            self.theme.record(
                f"action_{name}",
                by=by,
                action=self,
                department=self.department.name,
                from_status=expected,
                to_status=self.status,
                reason=reason,
            )
            deadlines_changed(self)


class SupervisionReport(models.Model):
    """The special report of a theme (专题报告): assembled from the record, edited by staff,
    frozen once finalised."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FINAL = "final", _("final")

    theme = models.OneToOneField(SupervisionTheme, on_delete=models.PROTECT, related_name="report")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    signed_by = models.CharField(_("issued by"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    workflow = Workflow(
        (
            Transition("edit", frozenset({Status.DRAFT}), None, (STAFF,)),
            Transition("finalise", frozenset({Status.DRAFT}), Status.FINAL, (STAFF,)),
        ),
        not_now=lambda obj: (
            gettext("The report is %(status)s; it can no longer be changed.")
            % {"status": obj.get_status_display()}
        ),
    )

    class Meta:
        verbose_name = _("special report")
        verbose_name_plural = _("special reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "final"]), name="responses_supervisionreport_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this report now (edit, finalise)."""
        return self.workflow.allowed(self, user, today=today)

    def edit(self, *, by: User, title: str, body: str, signed_by: str) -> None:
        """Staff change the draft's text; a final report is frozen."""
        transition = self.workflow.check(self, "edit", by)
        with transaction.atomic():
            guarded_update(
                self,
                transition,
                expected=self.status,
                fields={"title": title, "body": body, "signed_by": signed_by, "edited_by": by},
            )
            self.theme.record(SupervisionEvent.Kind.REPORT_EDITED, by=by)

    def finalise(self, *, by: User) -> None:
        """Freeze the report as it stands; the date and who did it are recorded."""
        transition = self.workflow.check(self, "finalise", by)
        today = timezone.localdate()
        with transaction.atomic():
            guarded_update(
                self, transition, expected=self.status, fields={"finalised_by": by, "finalised_on": today}
            )
            self.theme.record(
                SupervisionEvent.Kind.REPORT_FINALISED,
                by=by,
                from_status=self.Status.DRAFT,
                to_status=self.Status.FINAL,
            )


class SupervisionEvent(AppendOnlyModel):
    """The theme's history: who changed what, when, from and to (append-only)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("theme created")
        EDITED = "edited", _("theme edited")
        SUGGESTION_ADDED = "suggestion_added", _("suggestion added")
        SUGGESTION_REMOVED = "suggestion_removed", _("suggestion removed")
        MILESTONE_ADDED = "milestone_added", _("milestone added")
        MILESTONE_DONE = "milestone_done", _("milestone done")
        ACTIVITY_RECORDED = "activity_recorded", _("activity recorded")
        ACTION_AGREED = "action_agreed", _("action agreed")
        ACTION_REPORT = "action_report", _("action reported done")
        ACTION_CONFIRM = "action_confirm", _("action confirmed")
        ACTION_REOPEN = "action_reopen", _("action sent back")
        REPORT_EDITED = "report_edited", _("special report edited")
        REPORT_FINALISED = "report_finalised", _("special report finalised")

    theme = models.ForeignKey(SupervisionTheme, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.ForeignKey(
        SupervisionAction, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision event")
        verbose_name_plural = _("supervision events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """The event in the reader's language (the data stores codes and values)."""
        d = self.data
        details: dict[str, Any] = {
            self.Kind.SUGGESTION_ADDED: lambda: d.get("number", ""),
            self.Kind.SUGGESTION_REMOVED: lambda: f"{d.get('number', '')}: {d.get('reason', '')}",
            self.Kind.MILESTONE_ADDED: lambda: f"{d.get('title', '')} ({d.get('due_on', '')})",
            self.Kind.MILESTONE_DONE: lambda: f"{d.get('title', '')} ({d.get('done_on', '')})",
            self.Kind.ACTIVITY_RECORDED: lambda: " ".join(
                [
                    str(SupervisionActivity.Kind(d["activity"]).label) if d.get("activity") else "",
                    d.get("held_on", ""),
                    d.get("place", ""),
                ]
            ),
            self.Kind.ACTION_AGREED: lambda: (
                gettext("%(department)s, due %(due_on)s: %(description)s")
                % {
                    "department": d.get("department", ""),
                    "due_on": d.get("due_on", ""),
                    "description": d.get("description", ""),
                }
            ),
        }
        detail = details.get(self.kind)
        if detail is None and self.kind.startswith("action_"):
            text = d.get("department", "")
            if d.get("from_status") and d.get("to_status"):
                text += " " + gettext("%(from)s → %(to)s") % {
                    "from": SupervisionAction.Status(d["from_status"]).label,
                    "to": SupervisionAction.Status(d["to_status"]).label,
                }
            if d.get("reason"):
                text += f": {d['reason']}"
            return f"{self.get_kind_display()} · {text}"
        return f"{self.get_kind_display()}" + (f" · {detail()}" if detail else "")
