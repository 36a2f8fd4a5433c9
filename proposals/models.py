"""Congresses, sessions, deputies, departments, suggestions and their assignments.

Every workflow transition is a model method that checks the current status, changes
the row and writes one ``ProposalEvent`` in the same transaction.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from proposals.similarity import NAME_WEIGHT, TITLE_WEIGHT, place_names, subject_terms
from tracker.deadlines import Deadline, Unit, compute_deadline
from tracker.stages import ReminderStages, parse_reminder_days, validate_reminder_days

if TYPE_CHECKING:
    from tracker.models import User


class InvalidTransition(Exception):
    """A workflow move that the current state or the user's role does not allow."""


# ---------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------


class Rule(models.TextChoices):
    """The kinds of period a congress configures (DeadlineRule.obligation)."""

    REPLY = "reply", _("reply to the deputy")
    EXTENSION_MAX = "extension_max", _("latest extended reply")
    CO_OPINION = "co_opinion", _("co-handler's opinion to the lead unit")
    CHANGE_WINDOW = "change_window", _("sign for or dispute an assignment")
    RECESS_ASSIGN = "recess_assign", _("assign a suggestion raised between sessions")
    FEEDBACK = "feedback", _("deputy feedback")
    REHANDLING = "rehandling", _("re-handling after 不满意")
    PROGRESS_REPORT = "progress_report", _("commitment progress report")


# The defaults of design.md §4 (Deputies Law and common local rules); each congress
# may override any of them with a DeadlineRule row.
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    Rule.REPLY: (3, Unit.CALENDAR_MONTHS),
    Rule.EXTENSION_MAX: (6, Unit.CALENDAR_MONTHS),
    Rule.CO_OPINION: (1, Unit.CALENDAR_MONTHS),
    Rule.CHANGE_WINDOW: (7, Unit.WORKING_DAYS),
    Rule.RECESS_ASSIGN: (5, Unit.WORKING_DAYS),
    Rule.FEEDBACK: (20, Unit.WORKING_DAYS),
    Rule.REHANDLING: (1, Unit.CALENDAR_MONTHS),
    Rule.PROGRESS_REPORT: (3, Unit.CALENDAR_MONTHS),
}


class Congress(models.Model):
    """A people's congress (national, provincial, city or district) with its own rules."""

    class GradeScale(models.TextChoices):
        ABC = "ABC", _("A / B / C")
        ABCD = "ABCD", _("A / B / C / D")

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=200,
        default=r"^\d{4}\d{4}$",
        help_text=_("Regular expression a suggestion number must match."),
    )
    number_hint = models.CharField(
        _("number format"),
        max_length=200,
        # Stored text the office edits, in the office's language: a translated default
        # would be saved in whatever language the creating user happened to use.
        default="8位数字：年份加4位顺序号，如20240493",
        help_text=_("Shown to staff when a number does not match the pattern."),
    )
    numbers_unique_across_sessions = models.BooleanField(
        _("numbers unique across sessions"),
        default=True,
        help_text=_("On for numbers that include the year; off for plain serials per session."),
    )
    grade_scale = models.CharField(
        _("grade scale"), max_length=4, choices=GradeScale.choices, default=GradeScale.ABC
    )
    roll_to_working_day = models.BooleanField(
        _("move deadlines off rest days"),
        default=True,
        help_text=_("A deadline that falls on a rest day or holiday moves to the next working day."),
    )
    # Reminder stages (design.md §5): days relative to a deadline, negative before it.
    reminder_days = models.CharField(
        _("reminder stages"),
        max_length=100,
        default="-14,-3,0,1",
        validators=[validate_reminder_days],
        help_text=_(
            "Days relative to a deadline when reminders go out, separated by commas: "
            "-14 is two weeks before, 0 the due day, 1 the first day overdue."
        ),
    )
    reminder_repeat_days = models.PositiveSmallIntegerField(
        _("repeat while overdue every (days)"),
        default=7,
        help_text=_("After the last stage, remind again every this many days; 0 stops."),
    )
    remind_leader_from = models.PositiveSmallIntegerField(
        _("department leader reminded from overdue reminder no."),
        default=1,
        help_text=_("1 = from the first overdue reminder. Key suggestions' supervising leaders too."),
    )
    remind_staff_from = models.PositiveSmallIntegerField(
        _("congress staff reminded from overdue reminder no."), default=2
    )
    silence_closes_round = models.BooleanField(
        _("silence closes the round"),
        default=True,
        help_text=_(
            "When the feedback window passes without a rating, the round closes as “no feedback” "
            "(counted apart from 满意). Off: staff are reminded to chase the deputy instead."
        ),
    )

    class Meta:
        verbose_name = _("congress")
        verbose_name_plural = _("congresses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def rule(self, obligation: str) -> tuple[int, str]:
        """The (count, unit) this congress uses for an obligation, or the default."""
        rules = getattr(self, "_rules_cache", None)
        if rules is None:
            rules = {r.obligation: (r.count, r.unit) for r in self.deadline_rules.all()}
            self._rules_cache = rules
        return rules.get(obligation, DEFAULT_RULES[obligation])

    def deadline(self, obligation: str, start: date) -> Deadline:
        count, unit = self.rule(obligation)
        return compute_deadline(start, count, unit, roll_to_working_day=self.roll_to_working_day)

    def validate_number(self, number: str) -> None:
        if not re.fullmatch(self.number_pattern, number):
            raise ValidationError(
                gettext("“%(number)s” is not a valid number for %(congress)s: %(hint)s")
                % {"number": number, "congress": self.name, "hint": self.number_hint},
                code="bad_number",
            )

    def grades(self) -> list[str]:
        return list(self.grade_scale)

    def reminder_stages(self) -> ReminderStages:
        return ReminderStages(parse_reminder_days(self.reminder_days), self.reminder_repeat_days)


class DeadlineRule(models.Model):
    """One congress's period for one obligation, e.g. reply within 3 calendar months."""

    congress = models.ForeignKey(
        Congress, on_delete=models.CASCADE, related_name="deadline_rules", verbose_name=_("congress")
    )
    obligation = models.CharField(_("obligation"), max_length=20, choices=Rule.choices)
    count = models.PositiveSmallIntegerField(_("count"))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "obligation"], name="proposals_deadlinerule_one_per_obligation"
            ),
            models.CheckConstraint(
                condition=Q(unit__in=Unit.values), name="proposals_deadlinerule_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(obligation__in=Rule.values),
                name="proposals_deadlinerule_obligation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_obligation_display()}: {self.count} {self.get_unit_display()}"


class Session(models.Model):
    """A session of a congress (第七届人大第五次会议), or the recess between sessions."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("congress")
    )
    name = models.CharField(_("name"), max_length=100)
    term = models.PositiveSmallIntegerField(_("term (届)"))
    meeting = models.PositiveSmallIntegerField(
        _("meeting (次)"), null=True, blank=True, help_text=_("Empty for the recess (闭会期间).")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-year", "-meeting"]
        constraints = [
            models.UniqueConstraint(fields=["congress", "name"], name="proposals_session_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_recess(self) -> bool:
        return self.meeting is None


class Category(models.Model):
    """A two-level subject category, per congress (e.g. 城建环资 › 交通)."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="categories", verbose_name=_("congress")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["congress", "parent", "name"], name="proposals_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": gettext("Categories have at most two levels.")})


def normalise_name(text: str) -> str:
    """A name as compared when imported lists and letters are matched to departments,
    deputies and categories: full-width → half-width (brackets included), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


class Department(models.Model):
    """A government unit that handles suggestions (承办单位)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deputy(models.Model):
    """A deputy (代表) of a congress; may be linked to a sign-in account."""

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="deputies", verbose_name=_("congress")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    delegation = models.CharField(_("delegation"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.delegation}）" if self.delegation else self.name


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


# Proposal.objects.related_to(): how many of the suggestion's terms are looked up (more
# let the prose of a long body outweigh the subject named in the title), how common a
# term may be and still be looked up (a share of all suggestions, but never fewer than
# RELATED_MIN_COMMON, so that a small congress keeps its terms), and the share of what the
# title scores against itself that a candidate must reach. Chosen by measuring on the
# seed texts: bench/bench_related.py, figures in bench/README.md.
RELATED_MAX_TERMS = 16
RELATED_COMMON_SHARE = 0.05
RELATED_MIN_COMMON = 200
RELATED_MIN_SHARE = 0.25
# How many related suggestions related_to() returns unless told otherwise (the card's).
RELATED_LIMIT = 5


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def visible_to(self, user: User) -> ProposalQuerySet:
        """Staff see everything; departments what was assigned to them; deputies their own."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        conditions = Q(pk__in=[])
        if user.is_department_user:
            conditions |= Q(
                Exists(Assignment.objects.filter(proposal=OuterRef("pk"), department_id=user.department_id))
            )
        deputy = user.deputy_profile
        if deputy is not None:
            conditions |= Q(lead_deputy=deputy) | Q(
                Exists(
                    Proposal.co_signers.through.objects.filter(
                        proposal_id=OuterRef("pk"), deputy_id=deputy.pk
                    )
                )
            )
        return self.filter(conditions)

    def open(self) -> ProposalQuerySet:
        return self.exclude(status=Proposal.Status.CLOSED)

    def overdue(self, today: date) -> ProposalQuerySet:
        return self.filter(next_due_on__lt=today)

    def due_within(self, today: date, days: int) -> ProposalQuerySet:
        return self.filter(next_due_on__gte=today, next_due_on__lte=today + timezone.timedelta(days=days))

    def by_urgency(self) -> ProposalQuerySet:
        """Earliest open deadline first; suggestions without one (closed, unassigned) last."""
        return self.order_by(models.F("next_due_on").asc(nulls_last=True), "-received_on", "number")

    def related_to(self, proposal: Proposal, *, limit: int = RELATED_LIMIT) -> ProposalQuerySet:
        """The ``limit`` suggestions of this queryset most related to ``proposal`` (the
        same subject), most related first; ``proposal`` itself is left out and need not
        be saved. See proposals/similarity.py.

        Each is annotated with ``relevance``: the sum, over the subject terms both share,
        of the term's rarity (inverse document frequency) times its weight in each (a
        title term weighs more than a body term, a place's name more than other words).
        Ranks at once, in three queries (the number of suggestions, the terms' document
        frequencies, the ranking); the queryset returned fetches the few found.
        """
        weights = subject_terms(proposal.title, proposal.body)
        total = Proposal.objects.count()
        # A term most suggestions share (改造, 深圳) cannot tell subjects apart, and its
        # postings are the longest to read: it is counted only up to `common`.
        common = int(max(RELATED_COMMON_SHARE * total, RELATED_MIN_COMMON))
        # Every title term (for the bar) and the body's most frequent terms, enough to
        # fill the lookup.
        title = [term for term, weight in weights.items() if weight == TITLE_WEIGHT] or list(weights)
        counted = list(weights)[: len(title) + RELATED_MAX_TERMS]
        frequencies = SubjectTerm.objects.document_frequencies(counted, excluding=proposal, cap=common + 1)
        names = place_names(proposal.title) | place_names(proposal.body)

        def score(term: str) -> float:
            """What the term is worth in a candidate, per unit of its weight there."""
            rarity = math.log((total + 1) / max(frequencies.get(term, 0), 1))
            return rarity * weights[term] * (NAME_WEIGHT if term in names else 1)

        # The bar: a share of what the title scores against itself, counting the terms no
        # other suggestion has at the highest rarity. A candidate must share a good part
        # of what the title names, not one word of it. The body's terms add to a
        # candidate's score but not to the bar, or a long body would push away the
        # suggestions that share only the title's subject.
        threshold = RELATED_MIN_SHARE * sum(score(term) * weights[term] for term in title)
        # Looked up: the terms other suggestions have but not most, the title's first
        # (they name the subject), then the most telling.
        scores = {term: score(term) for term in counted if 0 < frequencies.get(term, 0) <= common}
        terms = sorted(scores, key=lambda t: (weights[t] == TITLE_WEIGHT, scores[t]), reverse=True)
        terms = terms[:RELATED_MAX_TERMS]
        if not terms:
            return self.none()
        matched = Case(
            *[When(term=term, then=Value(scores[term])) for term in terms],
            default=Value(0.0),
            output_field=FloatField(),
        )
        # Ranked in the index alone: summing the postings by suggestion reads no
        # suggestion row (they are wide: the body), only the few shown are fetched.
        postings = SubjectTerm.objects.filter(term__in=terms).exclude(proposal_id=proposal.pk)
        if self.query.has_filters():
            # Only what this queryset holds (visible_to(user) for a department or a
            # deputy). Unfiltered (staff), the semi-join would read every suggestion's key.
            postings = postings.filter(proposal__in=self.values("pk"))
        ranking = list(
            postings.values("proposal")
            .annotate(relevance=Sum(matched * F("weight")))
            .filter(relevance__gte=threshold)
            .order_by("-relevance", "-proposal")
            .values_list("proposal", "relevance")[:limit]
        )
        if not ranking:
            return self.none()
        relevance = Case(
            *[When(pk=pk, then=Value(value)) for pk, value in ranking], output_field=FloatField()
        )
        return (
            self.filter(pk__in=[pk for pk, _value in ranking])
            .annotate(relevance=relevance)
            .order_by("-relevance", "-pk")
        )


class Proposal(models.Model):
    """One deputy suggestion (建议、批评和意见)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        ASSIGNED = "assigned", _("assigned")
        HANDLING = "handling", _("handling")
        REPLIED = "replied", _("replied")
        REHANDLING = "rehandling", _("re-handling")
        CLOSED = "closed", _("closed")

    congress = models.ForeignKey(
        Congress, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("congress")
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("session")
    )
    number = models.CharField(_("number"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("full text"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("category"),
    )
    lead_deputy = models.ForeignKey(
        Deputy, on_delete=models.PROTECT, related_name="led_proposals", verbose_name=_("lead deputy")
    )
    co_signers = models.ManyToManyField(
        Deputy, blank=True, related_name="cosigned_proposals", verbose_name=_("co-signers")
    )
    received_on = models.DateField(_("received on"))
    is_key = models.BooleanField(_("key suggestion"), default=False)
    supervising_leader = models.CharField(_("supervising leader"), max_length=100, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_proposals",
        verbose_name=_("supervising leader's account"),
        help_text=_("Receives the overdue reminders of a key suggestion."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    # Earliest deadline among open assignments, kept by the transitions so that the
    # list can sort by urgency with an index instead of a subquery per row.
    next_due_on = models.DateField(_("next deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["next_due_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], name="proposals_proposal_unique_number_in_session"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["registered", "assigned", "handling", "replied", "rehandling", "closed"]
                ),
                name="proposals_proposal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_key=False) | ~Q(supervising_leader=""),
                name="proposals_proposal_key_has_leader",
            ),
        ]
        indexes = [
            # The default list order, ProposalQuerySet.by_urgency(), column for column: with
            # only a prefix of it PostgreSQL sorted every row of a selective filter (grade=B
            # on 100,000 suggestions: 320 ms, 37 ms with the full order).
            models.Index(fields=["next_due_on", "-received_on", "number"], name="proposal_urgency_idx"),
            # Filters by session and status on the list page.
            models.Index(fields=["session", "status"], name="proposal_session_status_idx"),
            # Search by number prefix and congress-wide uniqueness check.
            models.Index(fields=["congress", "number"], name="proposal_congress_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    def clean(self) -> None:
        if self.session_id and self.congress_id and self.session.congress_id != self.congress_id:
            raise ValidationError({"session": gettext("The session belongs to another congress.")})
        if self.number and self.congress_id:
            try:
                self.congress.validate_number(self.number)
            except ValidationError as exc:
                raise ValidationError({"number": exc.messages}) from None
            duplicates = Proposal.objects.filter(congress_id=self.congress_id, number=self.number)
            if not self.congress.numbers_unique_across_sessions:
                duplicates = duplicates.filter(session_id=self.session_id)
            if duplicates.exclude(pk=self.pk).exists():
                raise ValidationError(
                    {
                        "number": gettext("Suggestion No. %(number)s is already logged in %(congress)s.")
                        % {"number": self.number, "congress": self.congress.name}
                    },
                    code="duplicate_number",
                )
        if self.is_key and not self.supervising_leader:
            raise ValidationError(
                {"supervising_leader": gettext("A key suggestion needs a supervising leader.")}
            )

    # -- reading --------------------------------------------------------------

    def days_left(self, today: date | None = None) -> int | None:
        if self.next_due_on is None:
            return None
        return (self.next_due_on - (today or timezone.localdate())).days

    @property
    def is_overdue(self) -> bool:
        days = self.days_left()
        return days is not None and days < 0

    def responsible_assignments(self) -> models.QuerySet[Assignment]:
        """Lead and separate assignments still in force (not withdrawn)."""
        return self.assignments.exclude(status=Assignment.Status.WITHDRAWN).filter(
            role__in=[Assignment.Role.LEAD, Assignment.Role.SEPARATE]
        )

    # -- transitions ----------------------------------------------------------

    def log(self, *, by: User, co_signers: Iterable[Deputy] = ()) -> None:
        """Record a newly received suggestion (登记) with its co-signers."""
        if self.pk is not None:
            raise InvalidTransition(gettext("This suggestion is already logged."))
        with transaction.atomic():
            self.status = self.Status.REGISTERED
            self.created_by = by
            self.save()
            self.co_signers.set(co_signers)
            self.index_subject()
            assign_by = self.assign_deadline()
            ProposalEvent.objects.create(
                proposal=self,
                kind=ProposalEvent.Kind.LOGGED,
                actor=by,
                to_status=self.status,
                detail=gettext("assign by %(due)s (%(explanation)s)")
                % {"due": assign_by.due_on.isoformat(), "explanation": assign_by.explanation}
                if assign_by
                else "",
            )
            self.refresh_next_due()

    def index_subject(self) -> None:
        """Store the subject terms of the title and body, for related_to() (call after an edit)."""
        with transaction.atomic():
            self.subject_terms.all().delete()
            SubjectTerm.objects.bulk_create(
                SubjectTerm(proposal=self, term=term, weight=weight)
                for term, weight in subject_terms(self.title, self.body).items()
            )

    def assign_deadline(self) -> Deadline | None:
        """When a suggestion raised between sessions must be assigned (e.g. 5 working days)."""
        if not self.session.is_recess:
            return None
        return self.congress.deadline(Rule.RECESS_ASSIGN, self.received_on)

    def assign(
        self,
        *,
        by: User,
        lead: Department | None = None,
        co: Iterable[Department] = (),
        separate: Iterable[Department] = (),
        assigned_on: date | None = None,
        reason: str = "",
    ) -> list[Assignment]:
        """Hand the suggestion to one lead unit with co-handlers, or to separate units."""
        co, separate = list(co), list(separate)
        if self.status not in (self.Status.REGISTERED, self.Status.ASSIGNED, self.Status.HANDLING):
            raise InvalidTransition(
                gettext("A suggestion that is %(status)s cannot be assigned.")
                % {"status": self.get_status_display()}
            )
        if lead is None and not separate:
            raise InvalidTransition(gettext("Choose a lead department or separate departments."))
        if lead is not None and separate:
            raise InvalidTransition(
                gettext("A suggestion has either one lead department or separate departments, not both.")
            )
        if co and lead is None:
            raise InvalidTransition(gettext("Co-handling departments need a lead department."))
        chosen = ([lead] if lead else []) + co + separate
        if len({d.pk for d in chosen}) != len(chosen):
            raise InvalidTransition(gettext("A department is chosen twice."))
        taken = set(
            self.assignments.exclude(status=Assignment.Status.WITHDRAWN)
            .filter(department__in=chosen)
            .values_list("department__name", flat=True)
        )
        if taken:
            raise InvalidTransition(
                gettext("Already assigned to: %(names)s.") % {"names": "、".join(sorted(taken))}
            )
        if lead is not None and self.responsible_assignments().filter(role=Assignment.Role.LEAD).exists():
            raise InvalidTransition(gettext("This suggestion already has a lead department."))
        assigned_on = assigned_on or timezone.localdate()
        plan = [(lead, Assignment.Role.LEAD)] if lead else []
        plan += [(d, Assignment.Role.CO) for d in co] + [(d, Assignment.Role.SEPARATE) for d in separate]
        with transaction.atomic():
            created = [
                Assignment.create_for(self, department, role, assigned_on=assigned_on, by=by, reason=reason)
                for department, role in plan
            ]
            if self.status == self.Status.REGISTERED:
                self._set_status(self.Status.ASSIGNED, by=by, reason=reason)
            self.refresh_next_due()
        return created

    def close(self, *, by: User, reason: str) -> None:
        """Staff close a replied suggestion (e.g. the feedback window passed in silence)."""
        if self.status != self.Status.REPLIED:
            raise InvalidTransition(
                gettext("Only a replied suggestion can be closed; this one is %(status)s.")
                % {"status": self.get_status_display()}
            )
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for closing."))
        with transaction.atomic():
            self._set_status(self.Status.CLOSED, by=by, reason=reason)
            self.refresh_next_due()

    def sync_status(self, *, by: User | None, reason: str = "") -> None:
        """Move the suggestion forward when its assignments say so (call inside a transaction)."""
        responsible = list(self.responsible_assignments().values_list("status", flat=True))
        if not responsible:
            return
        S, A = self.Status, Assignment.Status
        if self.status in (S.ASSIGNED, S.HANDLING, S.REHANDLING) and all(s == A.REPLIED for s in responsible):
            self._set_status(S.REPLIED, by=by, reason=reason)
        elif self.status == S.ASSIGNED and all(s not in (A.PENDING, A.CHANGE_REQUESTED) for s in responsible):
            self._set_status(S.HANDLING, by=by, reason=reason)

    def refresh_next_due(self) -> None:
        """Recompute the earliest open deadline that drives the urgency order."""
        if self.status == self.Status.CLOSED:
            next_due = None
        elif self.status == self.Status.REGISTERED:
            assign_by = self.assign_deadline()
            next_due = assign_by.due_on if assign_by else None
        else:
            next_due = self.assignments.filter(status__in=Assignment.OPEN_STATUSES).aggregate(
                m=models.Min("due_on")
            )["m"]
        if next_due != self.next_due_on:
            self.next_due_on = next_due
            self.save(update_fields=["next_due_on"])

    def _set_status(self, to: str, *, by: User | None, reason: str = "", **event: object) -> None:
        from_status = self.status
        self.status = to
        self.save(update_fields=["status"])
        ProposalEvent.objects.create(
            proposal=self,
            kind=ProposalEvent.Kind.STATUS,
            actor=by,
            from_status=from_status,
            to_status=to,
            reason=reason,
            **event,
        )
        if to == self.Status.CLOSED:
            _sync_obligations(self)


class SubjectTermQuerySet(models.QuerySet["SubjectTerm"]):
    def document_frequencies(self, terms: Iterable[str], *, excluding: Proposal, cap: int) -> dict[str, int]:
        """How many suggestions other than ``excluding`` have each term, counted up to
        ``cap``. Terms none has are left out: they cannot match, so they must not raise
        related_to()'s bar either."""
        terms = list(terms)
        if not terms:
            return {}
        # One row, a capped count per term. The ORM counts whole groups; a common term
        # (建设) has tens of thousands of postings, and only whether it passes the cap
        # matters. Each count is an index-only scan of subjectterm_lookup_idx that stops
        # at the cap.
        table = self.model._meta.db_table
        other = "" if excluding.pk is None else " AND proposal_id <> %s"
        count = f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE term = %s{other} LIMIT %s) AS p{{}})"
        sql = "SELECT " + ", ".join(count.format(i) for i in range(len(terms)))
        params: list[object] = []
        for term in terms:
            params += [term, excluding.pk, cap] if other else [term, cap]
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            counts = cursor.fetchone()
        return {term: n for term, n in zip(terms, counts, strict=True) if n}

    def rebuild(self, proposals: models.QuerySet[Proposal], *, batch_size: int = 1000) -> int:
        """Recompute the terms of many suggestions (after an import or a change of the
        term rules); returns how many suggestions were indexed."""
        done = 0
        queryset = proposals.order_by("pk").only("pk", "title", "body")
        last = 0
        while batch := list(queryset.filter(pk__gt=last)[:batch_size]):
            with transaction.atomic():
                self.filter(proposal__in=[p.pk for p in batch]).delete()
                self.bulk_create(
                    [
                        SubjectTerm(proposal_id=p.pk, term=term, weight=weight)
                        for p in batch
                        for term, weight in subject_terms(p.title, p.body).items()
                    ],
                    batch_size=5000,
                )
            done += len(batch)
            last = batch[-1].pk
        return done


class SubjectTerm(models.Model):
    """One subject term of a suggestion's title or body, for Proposal.objects.related_to()."""

    # No index of its own: the unique constraint's index starts with the suggestion.
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="subject_terms", db_index=False
    )
    term = models.CharField(max_length=20)
    weight = models.PositiveSmallIntegerField()

    objects = SubjectTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("subject term")
        verbose_name_plural = _("subject terms")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "term"], name="proposals_subjectterm_unique_term"),
        ]
        indexes = [
            # related_to(): the document frequency of each term and the suggestions that
            # have it, read from this index alone (an index-only scan on PostgreSQL).
            models.Index(fields=["term", "proposal", "weight"], name="subjectterm_lookup_idx"),
        ]

    def __str__(self) -> str:
        return self.term


# ---------------------------------------------------------------------------
# Assignments
# ---------------------------------------------------------------------------


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def visible_to(self, user: User) -> AssignmentQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_congress_staff:
            return self
        if user.is_department_user:
            return self.filter(department_id=user.department_id)
        return self.filter(proposal__in=Proposal.objects.visible_to(user))

    def open(self) -> AssignmentQuerySet:
        return self.filter(status__in=Assignment.OPEN_STATUSES)

    def by_urgency(self) -> AssignmentQuerySet:
        return self.order_by("due_on", "proposal__number")


class Assignment(models.Model):
    """A suggestion handed to one department with a role and a deadline (交办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead (主办)")
        CO = "co", _("co-handling (会办)")
        SEPARATE = "separate", _("separate (分办)")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting sign-for")
        ACCEPTED = "accepted", _("accepted")
        CHANGE_REQUESTED = "change_requested", _("change requested")
        OPINION_SENT = "opinion_sent", _("opinion sent")
        DRAFTING = "drafting", _("drafting reply")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
        REPLIED = "replied", _("replied")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN_STATUSES = (
        Status.PENDING,
        Status.ACCEPTED,
        Status.CHANGE_REQUESTED,
        Status.DRAFTING,
        Status.AWAITING_APPROVAL,
    )

    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("suggestion")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("department")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    due_explanation = models.CharField(_("how the deadline was computed"), max_length=500)
    # Bumped whenever due_on moves, so reminders already sent for an older date are re-armed.
    deadline_version = models.PositiveSmallIntegerField(default=1)
    respond_by = models.DateField(_("sign for or dispute by"))
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    change_reason = models.TextField(_("reason for change request"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "department"],
                condition=~Q(status="withdrawn"),
                name="proposals_assignment_one_open_per_department",
            ),
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(role="lead") & ~Q(status="withdrawn"),
                name="proposals_assignment_one_lead",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "co", "separate"]), name="proposals_assignment_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "pending",
                        "accepted",
                        "change_requested",
                        "opinion_sent",
                        "drafting",
                        "awaiting_approval",
                        "replied",
                        "withdrawn",
                    ]
                ),
                name="proposals_assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("assigned_on")),
                name="proposals_assignment_due_after_assigned",
            ),
        ]
        indexes = [
            # A department's queue: its open assignments by due date.
            models.Index(fields=["department", "status", "due_on"], name="assignment_queue_idx"),
            # Reminder scan and refresh_next_due: open assignments by due date.
            models.Index(
                fields=["due_on"],
                condition=Q(
                    status__in=["pending", "accepted", "change_requested", "drafting", "awaiting_approval"]
                ),
                name="assignment_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} → {self.department} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.proposal_id]) + f"#assignment-{self.pk}"

    # -- reading --------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_responsible(self) -> bool:
        return self.role in (self.Role.LEAD, self.Role.SEPARATE)

    def days_left(self, today: date | None = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.days_left() < 0

    def can_request_change(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status in (self.Status.PENDING, self.Status.ACCEPTED) and today <= self.respond_by

    def latest_deadline(self) -> Deadline:
        """The furthest an extension may move the reply deadline (e.g. 6 months)."""
        return self.proposal.congress.deadline(Rule.EXTENSION_MAX, self.assigned_on)

    # -- transitions ----------------------------------------------------------

    @classmethod
    def create_for(
        cls,
        proposal: Proposal,
        department: Department,
        role: str,
        *,
        assigned_on: date,
        by: User,
        reason: str = "",
        due: Deadline | None = None,
    ) -> Assignment:
        """Create one assignment with its deadlines and record the event."""
        congress = proposal.congress
        obligation = Rule.CO_OPINION if role == cls.Role.CO else Rule.REPLY
        due = due or congress.deadline(obligation, assigned_on)
        window = congress.deadline(Rule.CHANGE_WINDOW, assigned_on)
        assignment = cls.objects.create(
            proposal=proposal,
            department=department,
            role=role,
            assigned_on=assigned_on,
            due_on=due.due_on,
            due_explanation=due.explanation[:500],
            respond_by=window.due_on,
            assigned_by=by,
        )
        ProposalEvent.objects.create(
            proposal=proposal,
            assignment=assignment,
            department=department,
            kind=ProposalEvent.Kind.ASSIGNED,
            actor=by,
            to_status=assignment.status,
            reason=reason,
            detail=gettext("%(role)s; due %(due)s (%(explanation)s)")
            % {
                "role": assignment.get_role_display(),
                "due": due.due_on.isoformat(),
                "explanation": due.explanation,
            },
        )
        _sync_obligations(assignment)
        return assignment

    def accept(self, *, by: User) -> None:
        """The department signs for the assignment (签收)."""
        self._check_department_user(by)
        self._move(
            self.Status.ACCEPTED, allowed=[self.Status.PENDING], by=by, kind=ProposalEvent.Kind.ACCEPTED
        )

    def request_change(self, *, by: User, reason: str, today: date | None = None) -> None:
        """The department disputes the assignment within the window (申请调整)."""
        self._check_department_user(by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the assignment should change."))
        if self.status in (self.Status.PENDING, self.Status.ACCEPTED) and not self.can_request_change(today):
            raise InvalidTransition(
                gettext("The window to request a change closed on %(date)s.")
                % {"date": self.respond_by.isoformat()}
            )
        with transaction.atomic():
            self._move(
                self.Status.CHANGE_REQUESTED,
                allowed=[self.Status.PENDING, self.Status.ACCEPTED],
                by=by,
                kind=ProposalEvent.Kind.CHANGE_REQUESTED,
                reason=reason,
                extra_fields={"change_reason": reason},
            )

    def decide_change(
        self,
        *,
        by: User,
        approve: bool,
        reason: str,
        new_department: Department | None = None,
        reset_deadline: bool = False,
    ) -> Assignment | None:
        """Staff decide a change request: re-assign to another unit, or refuse."""
        _check_staff(by)
        if self.status != self.Status.CHANGE_REQUESTED:
            raise InvalidTransition(gettext("There is no change request to decide."))
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for the decision."))
        if not approve:
            with transaction.atomic():
                self._move(
                    self.Status.ACCEPTED,
                    allowed=[self.Status.CHANGE_REQUESTED],
                    by=by,
                    kind=ProposalEvent.Kind.CHANGE_REFUSED,
                    reason=reason,
                )
            return None
        if new_department is None:
            raise InvalidTransition(gettext("Choose the department that takes over."))
        if new_department.pk == self.department_id:
            raise InvalidTransition(gettext("Choose a different department."))
        if (
            self.proposal.assignments.exclude(status=self.Status.WITHDRAWN)
            .filter(department=new_department)
            .exists()
        ):
            raise InvalidTransition(
                gettext("%(department)s already has this suggestion.") % {"department": new_department.name}
            )
        with transaction.atomic():
            self._move(
                self.Status.WITHDRAWN,
                allowed=[self.Status.CHANGE_REQUESTED],
                by=by,
                kind=ProposalEvent.Kind.WITHDRAWN,
                reason=reason,
            )
            today = timezone.localdate()
            keep = None
            if not reset_deadline:
                keep = Deadline(
                    start=self.assigned_on,
                    due_on=self.due_on,
                    explanation=gettext("kept from the transferred assignment: %(explanation)s")
                    % {"explanation": self.due_explanation},
                )
            # A kept deadline keeps its 交办 date too: the period (and the extension
            # maximum) still runs from the original assignment, and due_on may already
            # be past. The new unit's sign-for window runs from the transfer.
            successor = Assignment.create_for(
                self.proposal,
                new_department,
                self.role,
                assigned_on=today if reset_deadline else self.assigned_on,
                by=by,
                reason=reason,
                due=keep,
            )
            window = self.proposal.congress.deadline(Rule.CHANGE_WINDOW, today)
            if successor.respond_by != window.due_on:
                successor.respond_by = window.due_on
                successor.save(update_fields=["respond_by"])
                _sync_obligations(successor)
            self.replaced_by = successor
            self.save(update_fields=["replaced_by"])
            self.proposal.refresh_next_due()
        return successor

    def extend(self, *, by: User, new_due_on: date, reason: str) -> None:
        """Staff approve a later reply deadline, within the congress's maximum."""
        _check_staff(by)
        if not self.is_open:
            raise InvalidTransition(gettext("Only an open assignment's deadline can be extended."))
        if not reason.strip():
            raise InvalidTransition(gettext("An extension needs a reason; the deputy will see it."))
        if new_due_on <= self.due_on:
            raise InvalidTransition(
                gettext("The new deadline must be later than %(due)s.") % {"due": self.due_on.isoformat()}
            )
        latest = self.latest_deadline()
        if self.is_responsible and new_due_on > latest.due_on:
            raise InvalidTransition(
                gettext("The deadline cannot be extended beyond %(latest)s (%(explanation)s).")
                % {"latest": latest.due_on.isoformat(), "explanation": latest.explanation}
            )
        old = self.due_on
        with transaction.atomic():
            self.due_on = new_due_on
            self.due_explanation = (
                gettext("extended from %(old)s to %(new)s: %(reason)s")
                % {"old": old.isoformat(), "new": new_due_on.isoformat(), "reason": reason}
            )[:500]
            self.deadline_version += 1
            self.save(update_fields=["due_on", "due_explanation", "deadline_version"])
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=ProposalEvent.Kind.EXTENDED,
                actor=by,
                reason=reason,
                detail=f"{old.isoformat()} → {new_due_on.isoformat()}",
            )
            _sync_obligations(self)
            self.proposal.refresh_next_due()

    def record_contact(
        self, *, by: User, contacted_on: date, method: str, stage: str, summary: str
    ) -> Contact:
        """Record a contact with the deputies (沟通联系)."""
        self._check_department_user(by)
        if self.status == self.Status.WITHDRAWN:
            raise InvalidTransition(gettext("This assignment was withdrawn."))
        if contacted_on > timezone.localdate():
            raise InvalidTransition(gettext("A contact cannot be dated in the future."))
        with transaction.atomic():
            contact = Contact.objects.create(
                assignment=self,
                contacted_on=contacted_on,
                method=method,
                stage=stage,
                summary=summary,
                recorded_by=by,
            )
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=ProposalEvent.Kind.CONTACT,
                actor=by,
                detail=(
                    f"{contacted_on.isoformat()} {contact.get_method_display()}"
                    f"（{contact.get_stage_display()}）"
                ),
            )
        return contact

    def _check_department_user(self, user: User) -> None:
        if not (user.is_department_user and user.department_id == self.department_id):
            raise InvalidTransition(
                gettext("Only %(department)s can do this.") % {"department": self.department.name}
            )

    def _move(
        self,
        to: str,
        *,
        allowed: list[str],
        by: User | None,
        kind: str,
        reason: str = "",
        extra_fields: dict[str, object] | None = None,
        sync: bool = True,
    ) -> None:
        """Change status if the current one allows it, write the event, sync the suggestion."""
        if self.status not in allowed:
            raise InvalidTransition(
                gettext("This assignment is %(status)s; that step is not possible now.")
                % {"status": self.get_status_display()}
            )
        from_status = self.status
        with transaction.atomic():
            self.status = to
            fields = ["status"]
            for name, value in (extra_fields or {}).items():
                setattr(self, name, value)
                fields.append(name)
            self.save(update_fields=fields)
            ProposalEvent.objects.create(
                proposal=self.proposal,
                assignment=self,
                department=self.department,
                kind=kind,
                actor=by,
                from_status=from_status,
                to_status=to,
                reason=reason,
            )
            _sync_obligations(self)
            if sync:
                self.proposal.sync_status(by=by)
                self.proposal.refresh_next_due()


def _sync_obligations(source: Assignment | Proposal) -> None:
    """Keep the reminder ledger in step with a changed assignment or closed suggestion."""
    # Imported here: responses builds on proposals, and its ledger follows these rows.
    from responses.models import Obligation

    if isinstance(source, Proposal):
        Obligation.objects.sync_closed(source)
    else:
        Obligation.objects.sync(source)


def _check_staff(user: User) -> None:
    if not user.is_congress_staff:
        raise InvalidTransition(gettext("Only congress staff can do this."))


class Contact(models.Model):
    """A recorded contact between a department and the deputies (办前/办中/办后)."""

    class Method(models.TextChoices):
        FACE_TO_FACE = "face", _("face-to-face meeting")
        SITE_VISIT = "visit", _("site visit")
        PHONE = "phone", _("phone")
        FORUM = "forum", _("forum / meeting")
        MESSAGE = "message", _("letter, email or message")

    class Stage(models.TextChoices):
        BEFORE = "before", _("before handling")
        DURING = "during", _("during handling")
        AFTER = "after", _("after handling")

    FACE_TO_FACE_METHODS = (Method.FACE_TO_FACE, Method.SITE_VISIT, Method.FORUM)

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("assignment")
    )
    contacted_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact with deputies")
        verbose_name_plural = _("contacts with deputies")
        ordering = ["contacted_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["face", "visit", "phone", "forum", "message"]),
                name="proposals_contact_method_valid",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["before", "during", "after"]), name="proposals_contact_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.get_method_display()}"

    @property
    def is_face_to_face(self) -> bool:
        return self.method in self.FACE_TO_FACE_METHODS


class ProposalEvent(models.Model):
    """Append-only audit trail: who did what to a suggestion, when, from, to and why."""

    class Kind(models.TextChoices):
        LOGGED = "logged", _("logged")
        EDITED = "edited", _("details edited")
        STATUS = "status", _("status changed")
        ASSIGNED = "assigned", _("assigned")
        ACCEPTED = "accepted", _("signed for")
        CHANGE_REQUESTED = "change_requested", _("change requested")
        CHANGE_REFUSED = "change_refused", _("change request refused")
        WITHDRAWN = "withdrawn", _("assignment withdrawn")
        EXTENDED = "extended", _("deadline extended")
        CONTACT = "contact", _("contact with deputies")
        OPINION = "opinion", _("co-handling opinion sent")
        DRAFTED = "drafted", _("reply drafted")
        SUBMITTED = "submitted", _("reply submitted for approval")
        RETURNED = "returned", _("reply returned")
        SENT = "sent", _("reply approved and sent")
        REGRADED = "regraded", _("grade changed")
        FEEDBACK = "feedback", _("deputy feedback")
        REHANDLING = "rehandling", _("re-handling ordered")
        REHANDLING_DECLINED = "rehandling_declined", _("re-handling declined")
        FEEDBACK_LAPSED = "feedback_lapsed", _("feedback window passed without a rating")
        REMINDED = "reminded", _("reminder sent by staff")
        PROGRESS_REPORTED = "progress_reported", _("commitment progress reported")
        COMMITMENT_CLAIMED = "commitment_claimed", _("commitment reported fulfilled")
        COMMITMENT_CONFIRMED = "commitment_confirmed", _("commitment confirmed fulfilled")
        COMMITMENT_REJECTED = "commitment_rejected", _("commitment fulfilment rejected")
        COMMITMENT_NOT_FULFILLED = "commitment_not_fulfilled", _("commitment closed, not fulfilled")

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="events")
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]
        indexes = [
            # The timeline on the detail page.
            models.Index(fields=["proposal", "created_at"], name="event_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise InvalidTransition("Events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def _status_label(self, value: str) -> str:
        for choices in (Proposal.Status, Assignment.Status):
            if value in choices.values:
                return str(choices(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._status_label(self.to_status)


# ---------------------------------------------------------------------------
# Suggestion lists imported from spreadsheets (交办清单)
# ---------------------------------------------------------------------------

if TYPE_CHECKING:
    from proposals.spreadsheet import SheetPreview


def spreadsheet_path(instance: SpreadsheetImport, filename: str) -> str:
    """Stored under a random name: the original name is kept in the row, never used as a path."""
    import uuid

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class SpreadsheetImport(models.Model):
    """An uploaded suggestion list (交办清单), kept from the preview to its confirmation.

    Nothing is logged until staff confirm; the file is then read and checked again and
    every row is logged and assigned in one transaction. Never deleted: a discarded
    upload stays, marked so.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("awaiting confirmation")
        APPLYING = "applying", _("importing")
        APPLIED = "applied", _("imported")
        DISCARDED = "discarded", _("discarded")

    file = models.FileField(_("file"), upload_to=spreadsheet_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="spreadsheet_imports", verbose_name=_("session")
    )
    received_on = models.DateField(_("received on"))
    assigned_on = models.DateField(_("assigned on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("suggestions imported"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    applied_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discarded by"),
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    # Why the last confirmation wrote nothing (rows refused when checked again), shown on
    # the preview; empty once a confirmation succeeds.
    failure = models.TextField(_("why the last confirmation failed"), blank=True)

    class Meta:
        verbose_name = _("suggestion list import")
        verbose_name_plural = _("suggestion list imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "applying", "applied", "discarded"]),
                name="proposals_spreadsheetimport_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("proposals:import_detail", args=[self.pk])

    @classmethod
    def stage(
        cls, data: bytes, *, name: str, session: Session, received_on: date, assigned_on: date, by: User
    ) -> SpreadsheetImport:
        """Keep an uploaded file for its preview; nothing else is written."""
        import hashlib

        from django.core.files.base import ContentFile

        upload = cls(
            original_name=name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            session=session,
            received_on=received_on,
            assigned_on=assigned_on,
            uploaded_by=by,
        )
        upload.file.save(name, ContentFile(data), save=False)
        upload.save()
        return upload

    def read(self) -> SheetPreview:
        """Read and check the stored sheet against the data as it is now."""
        from proposals.spreadsheet import read_sheet

        with self.file.open("rb") as handle:
            data = handle.read()
        return read_sheet(data, session=self.session)

    def apply(self, *, by: User) -> int:
        """Log and assign every row now, all or nothing; returns how many suggestions were logged.

        Raises spreadsheet.SheetRejected (nothing written) when a row has errors now. The
        pages use confirm(), which does this in the worker.
        """
        _check_staff(by)
        with transaction.atomic():
            self._lock_previewed()
            self._apply_rows(by=by)
        return self.created_count

    def confirm(self, *, by: User) -> None:
        """Staff confirm the preview: the upload is "importing" at once, and a worker logs and
        assigns the rows (a 10,000-row list takes minutes, longer than a web request may)."""
        from proposals.tasks import apply_spreadsheet_import

        _check_staff(by)
        with transaction.atomic():
            locked = self._lock_previewed()
            locked.status = self.Status.APPLYING
            locked.applied_by = by
            locked.failure = ""
            locked.save(update_fields=["status", "applied_by", "failure"])
            pk = self.pk
            transaction.on_commit(lambda: apply_spreadsheet_import.delay(pk))
        self.refresh_from_db()

    def _lock_previewed(self) -> SpreadsheetImport:
        """This upload's row, locked until the transaction ends, so that two confirmations
        cannot both log the rows; InvalidTransition once it is no longer a preview."""
        locked = SpreadsheetImport.objects.select_for_update().get(pk=self.pk)
        if locked.status != self.Status.PREVIEWED:
            raise InvalidTransition(
                gettext("This list was already %(status)s.") % {"status": locked.get_status_display()}
            )
        return locked

    @classmethod
    def run_confirmed(cls, pk: int) -> int | None:
        """The worker's part of confirm(): log and assign every row, all or nothing. When the
        rows are refused now (or anything fails), the upload goes back to its preview with
        the reason, and nothing is written. Returns how many were logged."""
        from proposals.spreadsheet import SheetRejected

        try:
            with transaction.atomic():
                upload = cls.objects.select_for_update().select_related("session__congress").get(pk=pk)
                if upload.status != cls.Status.APPLYING or upload.applied_by is None:
                    return None  # Already done (a redelivered task) or never confirmed.
                return upload._apply_rows(by=upload.applied_by)
        except SheetRejected as exc:
            reason = gettext("Nothing was imported: %(errors)s") % {"errors": exc}
            cls.objects.filter(pk=pk, status=cls.Status.APPLYING).update(
                status=cls.Status.PREVIEWED, applied_by=None, failure=reason
            )
            return None
        except Exception:
            cls.objects.filter(pk=pk, status=cls.Status.APPLYING).update(
                status=cls.Status.PREVIEWED,
                applied_by=None,
                failure=gettext(
                    "The import stopped with an unexpected error and nothing was imported. "
                    "Try again; if it fails again, tell the administrator."
                ),
            )
            raise

    def _apply_rows(self, *, by: User) -> int:
        """Inside the caller's transaction, with this upload locked."""
        from proposals.spreadsheet import apply_sheet

        preview = self.read()
        self.created_count = apply_sheet(self, preview, by=by)
        self.row_count = len(preview.rows)
        self.status = self.Status.APPLIED
        self.applied_by = by
        self.applied_at = timezone.now()
        self.failure = ""
        self.save(
            update_fields=["created_count", "row_count", "status", "applied_by", "applied_at", "failure"]
        )
        return self.created_count

    def discard(self, *, by: User) -> None:
        """Staff drop an upload they will not confirm; it is kept, marked discarded."""
        _check_staff(by)
        with transaction.atomic():
            updated = SpreadsheetImport.objects.filter(pk=self.pk, status=self.Status.PREVIEWED).update(
                status=self.Status.DISCARDED, discarded_by=by, discarded_at=timezone.now()
            )
            if not updated:
                self.refresh_from_db()
                raise InvalidTransition(
                    gettext("This list was already %(status)s.") % {"status": self.get_status_display()}
                )
        self.refresh_from_db()
