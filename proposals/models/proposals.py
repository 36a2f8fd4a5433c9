"""Suggestions (建议、批评和意见): the list's queries, intake, assignment, closing."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from proposals.models.assignments import Assignment
from proposals.models.events import ProposalEvent
from proposals.models.reference import Category, Congress, Department, Deputy, Rule, Session
from proposals.models.subjects import SubjectTerm
from proposals.similarity import NAME_WEIGHT, TITLE_WEIGHT, place_names, subject_terms
from tracker.deadlines import Deadline
from tracker.validators import refuse_future
from tracker.workflow import (
    STAFF,
    SYSTEM,
    InvalidTransition,
    Transition,
    Who,
    Workflow,
    deadlines_changed,
    guarded_update,
)

if TYPE_CHECKING:
    from tracker.models import User


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
        if user.is_department_user and user.department_id is not None:
            conditions |= Q(
                Exists(Assignment.objects.filter(proposal=OuterRef("pk"), department_id=user.department_id))
            )
        return self.filter(conditions | self._of_deputy(user))

    def of_deputy(self, user: User) -> ProposalQuerySet:
        """The suggestions ``user`` led or co-signed as a deputy (none if they are not one)."""
        return self.filter(self._of_deputy(user))

    @staticmethod
    def _of_deputy(user: User) -> Q:
        deputy = user.deputy_profile if user.is_authenticated else None
        if deputy is None:
            return Q(pk__in=[])
        return Q(lead_deputy=deputy) | Q(
            Exists(
                Proposal.co_signers.through.objects.filter(proposal_id=OuterRef("pk"), deputy_id=deputy.pk)
            )
        )

    def led_or_co_signed_by(self, deputy: Deputy) -> ProposalQuerySet:
        """The suggestions ``deputy`` led or co-signed, as one set of pks (a UNION of two
        index lookups). "led OR EXISTS(co-signed)" is no index condition: PostgreSQL counted
        such a list by reading every suggestion (0.84 s at a million) and found a page by
        walking the others until it had 25 of the deputy's, however old theirs are."""
        co_signed = Proposal.co_signers.through.objects.filter(deputy_id=deputy.pk)
        led = Proposal.objects.filter(lead_deputy_id=deputy.pk).order_by().values("pk")
        return self.filter(pk__in=led.union(co_signed.order_by().values("proposal_id")))

    def open(self) -> ProposalQuerySet:
        """Suggestions still being worked on: neither closed nor withdrawn."""
        return self.exclude(status__in=sorted(Proposal.ENDED))

    def counted(self) -> ProposalQuerySet:
        """The suggestions the figures count: a withdrawn one was never handled."""
        return self.exclude(status=Proposal.Status.WITHDRAWN)

    def lock(self, pk: int) -> Proposal:
        """The suggestion's row, locked until the transaction ends (SELECT … FOR UPDATE):
        every workflow transition on a suggestion or anything under it takes this lock
        first, so that they run one at a time and always in the same order."""
        return self.select_for_update(of=("self",)).select_related("congress", "session").get(pk=pk)

    def numbered_alongside(self, session: Session) -> ProposalQuerySet:
        """The suggestions a number of ``session`` must differ from: the whole congress's,
        or only the session's where numbers are plain serials per session
        (Congress.numbers_unique_across_sessions off)."""
        if session.congress.numbers_unique_across_sessions:
            return self.filter(congress_id=session.congress_id)
        return self.filter(session=session)

    def numbers_taken(self, numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Which of ``numbers`` this queryset holds: number → (session id, session name)."""
        taken: dict[str, tuple[int, str]] = {}
        ordered = sorted(set(numbers))
        # In chunks: SQLite limits the parameters of one query (a 交办清单 has thousands).
        for start in range(0, len(ordered), 900):
            rows = self.filter(number__in=ordered[start : start + 900]).order_by()
            taken.update(
                (number, (session_id, name))
                for number, session_id, name in rows.values_list("number", "session_id", "session__name")
            )
        return taken

    def overdue(self, today: date) -> ProposalQuerySet:
        return self.filter(next_due_on__lt=today)

    def due_within(self, today: date, days: int) -> ProposalQuerySet:
        return self.filter(next_due_on__gte=today, next_due_on__lte=today + timedelta(days=days))

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


class Relation:
    """Proposal.relation(user): how a user stands to a suggestion."""

    STAFF = "staff"
    UNIT = "unit"
    FORMER_UNIT = "former_unit"
    DEPUTY = "deputy"
    NONE = ""


def _not_assignable(proposal: Proposal) -> str:
    if proposal.status == Proposal.Status.WITHDRAWN:
        return gettext("This suggestion was withdrawn by its deputy; it cannot be assigned.")
    return gettext("A suggestion that is %(status)s cannot be assigned.") % {
        "status": proposal.get_status_display()
    }


def _is_lead_deputy(user: User, proposal: Proposal) -> bool:
    deputy = user.deputy_profile
    return deputy is not None and deputy.pk == proposal.lead_deputy_id


# The suggestion's lead deputy: being able to see it (a co-signer, a clerk) is not enough.
LEAD_DEPUTY = Who(
    "the lead deputy",
    _is_lead_deputy,
    lambda p: gettext("Only the lead deputy of this suggestion can withdraw it."),
)

# Staff withdraw a suggestion only on its lead deputy's written request (the event names
# the deputy who asked); the same test as STAFF, named for the workflow table.
STAFF_ON_REQUEST = Who(
    "congress staff, on the lead deputy's written request",
    STAFF.test,
    STAFF.refusal,
)


def _never_assigned(proposal: Proposal, user: User | None, today: date) -> str | None:
    """Never assigned to any unit"""
    if proposal.pk is not None and proposal.assignments.exists():
        return gettext("This suggestion has been assigned; it can no longer be withdrawn.")
    return None


def _comparable(value: object) -> object:
    """A stored or posted value as Proposal.edit compares them (line ends, outer spaces)."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class Proposal(models.Model):
    """One deputy suggestion (建议、批评和意见)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        ASSIGNED = "assigned", _("assigned")
        HANDLING = "handling", _("handling")
        REPLIED = "replied", _("replied")
        REHANDLING = "rehandling", _("re-handling")
        CLOSED = "closed", _("closed")
        # The lead deputy took it back before it was assigned (or staff did, on the lead
        # deputy's written request); it keeps its number, which is never given again.
        WITHDRAWN = "withdrawn", pgettext_lazy("suggestion", "withdrawn")

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
    # The grade of the latest reply sent, kept by Reply.approve and Reply.regrade, so that
    # the list filters by grade with an index instead of probing replies row by row.
    # db_default: rows written by raw SQL (benchmarks, scripts) get "" too.
    grade = models.CharField(
        _("grade of the latest reply"), max_length=1, blank=True, default="", db_default=""
    )
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
                    status__in=[
                        "registered",
                        "assigned",
                        "handling",
                        "replied",
                        "rehandling",
                        "closed",
                        "withdrawn",
                    ]
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
            # The list's q= as a number prefix (number LIKE '2025%'): the plain btree cannot
            # serve LIKE under a non-C collation such as C.UTF-8 (PostgreSQL only; elsewhere
            # a plain index).
            models.Index(
                fields=["number"], opclasses=["varchar_pattern_ops"], name="proposal_number_prefix_idx"
            ),
            # The list's grade= filter in the default urgency order.
            models.Index(
                fields=["grade", "next_due_on", "-received_on", "number"], name="proposal_grade_urgency_idx"
            ),
            # The list's sort=-received_on.
            models.Index(fields=["-received_on", "number"], name="proposal_received_idx"),
            # And received_on: the index above read backwards orders the number descending,
            # and a session's suggestions are received on a few days (2,971 on the oldest
            # day at a million: 128 ms to sort them for a page).
            models.Index(fields=["received_on", "number"], name="proposal_received_asc_idx"),
            # The list's sort=number and -number (proposal_number_prefix_idx's operator
            # class cannot order by the database's collation).
            models.Index(fields=["number"], name="proposal_number_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    def clean(self) -> None:
        """Check the session, the number (stored in its normal form), the deputies and the
        key flag. The co-signers are checked only once saved: before log() there are none
        to read, so the intake form passes its own to check_deputies()."""
        errors: dict[str, list[ValidationError]] = {}
        same_congress = not (self.session_id and self.congress_id) or (
            self.session.congress_id == self.congress_id
        )
        if not same_congress:
            errors["session"] = [ValidationError(gettext("The session belongs to another congress."))]
        if self.number and self.congress_id:
            try:
                self.number = self.congress.clean_number(self.number)
            except ValidationError as exc:
                errors["number"] = exc.error_list
            else:
                if self.session_id and same_congress:
                    try:
                        Proposal.check_number_free(self.number, session=self.session, excluding=self.pk)
                    except ValidationError as exc:
                        exc.update_error_dict(errors)
        if self.congress_id and self.lead_deputy_id:
            try:
                Proposal.check_deputies(
                    self.congress, self.lead_deputy, self.co_signers.all() if self.pk else ()
                )
            except ValidationError as exc:
                exc.update_error_dict(errors)
        if self.is_key and not self.supervising_leader:
            errors["supervising_leader"] = [
                ValidationError(gettext("A key suggestion needs a supervising leader."))
            ]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def check_number_free(
        cls,
        number: str,
        *,
        session: Session,
        excluding: int | None = None,
        taken: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        """Raise ValidationError({"number": …}, code="duplicate_number") when ``number``
        (in normal form: Congress.clean_number) is already logged where it must be unique
        (numbered_alongside). ``taken``, from numbers_taken(), answers for many numbers
        checked together (a 交办清单) without a query each."""
        if taken is None:
            scope = cls.objects.numbered_alongside(session)
            if excluding is not None:
                scope = scope.exclude(pk=excluding)
            taken = scope.numbers_taken([number])
        if number not in taken:
            return
        session_id, session_name = taken[number]
        if session_id == session.pk:
            message = gettext("No. %(number)s already exists in this session.") % {"number": number}
        else:
            message = gettext("No. %(number)s already exists in %(session)s.") % {
                "number": number,
                "session": session_name,
            }
        raise ValidationError({"number": ValidationError(message, code="duplicate_number")})

    @staticmethod
    def check_deputies(congress: Congress, lead_deputy: Deputy | None, co_signers: Iterable[Deputy]) -> None:
        """Raise ValidationError({"lead_deputy"/"co_signers": …}) unless the lead deputy and
        every co-signer are deputies of ``congress`` and the lead deputy is not also a
        co-signer. The co-signers are passed in: a suggestion not yet logged has none to
        read (log() sets them after saving). Deputies not yet saved (a 交办清单's new names)
        are told apart by identity."""
        errors: dict[str, list[ValidationError]] = {}
        if lead_deputy is not None and lead_deputy.congress_id != congress.pk:
            errors["lead_deputy"] = [
                ValidationError(
                    gettext("%(name)s is a deputy of another congress.") % {"name": lead_deputy.name},
                    code="other_congress",
                )
            ]
        for deputy in co_signers:
            if lead_deputy is not None and deputy == lead_deputy:
                message = gettext("%(name)s is the lead deputy and cannot also be a co-signer.")
                code = "lead_co_signer"
            elif deputy.congress_id != congress.pk:
                message, code = gettext("%(name)s is a deputy of another congress."), "other_congress"
            else:
                continue
            errors.setdefault("co_signers", []).append(
                ValidationError(message % {"name": deputy.name}, code=code)
            )
        if errors:
            raise ValidationError(errors)

    # -- the workflow ---------------------------------------------------------

    # No longer worked on: left out of open work, reminders and the figures' open counts.
    ENDED = frozenset({Status.CLOSED, Status.WITHDRAWN})
    # Still with the office: may be assigned further or corrected (not once replied to).
    ASSIGNABLE = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.HANDLING})

    workflow = Workflow(
        (
            Transition("assign", ASSIGNABLE, None, (STAFF,), refused=_not_assignable),
            Transition(
                "edit",
                ASSIGNABLE,
                None,
                (STAFF,),
                refused=lambda p: gettext("A suggestion can be corrected only before it is replied to."),
            ),
            Transition(
                "close",
                frozenset({Status.REPLIED}),
                Status.CLOSED,
                (STAFF,),
                refused=lambda p: (
                    gettext("Only a replied suggestion can be closed; this one is %(status)s.")
                    % {"status": p.get_status_display()}
                ),
            ),
            # Moves the suggestion makes by itself when its assignments, replies and
            # ratings say so (sync_status, Feedback, the feedback window).
            Transition("mark_assigned", frozenset({Status.REGISTERED}), Status.ASSIGNED, (SYSTEM,)),
            Transition("start_handling", frozenset({Status.ASSIGNED}), Status.HANDLING, (SYSTEM,)),
            Transition(
                "mark_replied",
                frozenset({Status.ASSIGNED, Status.HANDLING, Status.REHANDLING}),
                Status.REPLIED,
                (SYSTEM,),
            ),
            Transition("rehandle", frozenset({Status.REPLIED}), Status.REHANDLING, (SYSTEM,)),
            Transition("settle", frozenset({Status.REPLIED}), Status.CLOSED, (SYSTEM,)),
            # 撤回: taken back before any unit has it; the number stays with it.
            Transition(
                "withdraw",
                frozenset({Status.REGISTERED}),
                Status.WITHDRAWN,
                (LEAD_DEPUTY, STAFF_ON_REQUEST),
                guards=(_never_assigned,),
                refused=lambda p: (
                    gettext("Only a suggestion not yet assigned can be withdrawn; this one is %(status)s.")
                    % {"status": p.get_status_display()}
                ),
            ),
        ),
        not_now=lambda p: (
            gettext("This suggestion is %(status)s; that step is not possible now.")
            % {"status": p.get_status_display()}
        ),
    )

    def actions(self, user: User, *, today: date | None = None) -> frozenset[str]:
        """What ``user`` may do on this suggestion now (assign, edit, close, withdraw)."""
        return self.workflow.allowed(self, user, today=today)

    # -- reading --------------------------------------------------------------

    def days_left(self, today: date | None = None) -> int | None:
        if self.next_due_on is None:
            return None
        return (self.next_due_on - (today or timezone.localdate())).days

    @property
    def is_overdue(self) -> bool:
        days = self.days_left()
        return days is not None and days < 0

    def withdrawal(self) -> ProposalEvent | None:
        """The event that withdrew this suggestion (when, by whom, why), or None."""
        if self.status != self.Status.WITHDRAWN:
            return None
        return self.events.filter(kind=ProposalEvent.Kind.PROPOSAL_WITHDRAWN).order_by("-pk").first()

    def responsible_assignments(self) -> models.QuerySet[Assignment]:
        """Lead and separate assignments still in force (not withdrawn)."""
        return self.assignments.exclude(status=Assignment.Status.WITHDRAWN).filter(
            role__in=[Assignment.Role.LEAD, Assignment.Role.SEPARATE]
        )

    def deputy_of(self, user: User) -> Deputy | None:
        """The user's deputy record if they are this suggestion's lead deputy or a
        co-signer; None otherwise. Deputy actions (rating, comments on promises, the
        deputy's pages) ask this, not visibility: a deputy may also be a department
        clerk who sees the suggestion through their unit."""
        deputy = user.deputy_profile if user.is_authenticated else None
        if deputy is None:
            return None
        if deputy.pk == self.lead_deputy_id or self.co_signers.filter(pk=deputy.pk).exists():
            return deputy
        return None

    def handled_by(self, user: User) -> bool:
        """Whether the user works on this suggestion: staff, or a unit it was assigned to
        (a withdrawn assignment included: the unit keeps what it saw)."""
        return self.relation(user) in (Relation.STAFF, Relation.UNIT, Relation.FORMER_UNIT)

    def may_see_phones(self, user: User, *, assignments: Iterable[Assignment] | None = None) -> bool:
        """Whether ``user`` may read in full the phone numbers of this suggestion's deputies
        and of its replies' contact persons (personal data): congress staff and the units
        handling it, who call them, and the suggestion's own deputies, to whom the letter
        and its contact line are addressed. Everyone else reads them masked
        (tracker.privacy); the public site and open data always mask them.
        ``assignments``: as for relation()."""
        if not user.is_authenticated:
            return False  # the public, without a query
        return self.relation(user, assignments=assignments) in (
            Relation.STAFF,
            Relation.UNIT,
            Relation.DEPUTY,
        )

    def relation(self, user: User, *, assignments: Iterable[Assignment] | None = None) -> str:
        """How ``user`` stands to this suggestion, which decides the view they get (pages
        and API): staff; a unit handling it now; a former unit, all of whose assignments
        were withdrawn (it keeps its own part and what happened until it left); its
        deputy; or none. A deputy who is also a clerk of a unit handling it works on it.
        ``assignments`` may pass them already fetched (lists)."""
        if not (user.is_authenticated and user.is_active):
            return Relation.NONE
        if user.is_congress_staff:
            return Relation.STAFF
        if user.is_department_user and user.department_id is not None:
            if assignments is None:
                assignments = self.assignments.filter(department_id=user.department_id).only(
                    "status", "department"
                )
            statuses = [a.status for a in assignments if a.department_id == user.department_id]
            if any(s != Assignment.Status.WITHDRAWN for s in statuses):
                return Relation.UNIT
            if statuses:
                return Relation.FORMER_UNIT
        if self.deputy_of(user) is not None:
            return Relation.DEPUTY
        return Relation.NONE

    # -- transitions ----------------------------------------------------------

    def log(self, *, by: User, co_signers: Iterable[Deputy] = (), number_checked: bool = False) -> None:
        """Record a newly received suggestion (登记) with its co-signers.

        The congress's row is locked while the number is checked and stored, so that a
        double-submitted form or two clerks logging one number get a field error, not a
        duplicate (or, across sessions, a second suggestion with that number).
        ``number_checked``: the caller holds that lock and checked the number already
        (a 交办清单 checks all its rows in one query)."""
        if self.pk is not None:
            raise InvalidTransition(gettext("This suggestion is already logged."))
        co_signers = list(co_signers)
        self.number = self.congress.clean_number(self.number)
        Proposal.check_deputies(self.congress, self.lead_deputy, co_signers)
        try:
            with transaction.atomic():
                if not number_checked:
                    Congress.objects.select_for_update().filter(pk=self.congress_id).exists()
                    Proposal.check_number_free(self.number, session=self.session)
                self.status = self.Status.REGISTERED
                self.created_by = by
                self.save()
                self.co_signers.set(co_signers)
                self.index_subject()
                assign_by = self.assign_deadline()
                ProposalEvent.record(
                    ProposalEvent.Kind.LOGGED,
                    proposal=self,
                    by=by,
                    to_status=self.status,
                    assign_by=assign_by.due_on if assign_by else None,
                    deadline=assign_by.basis(Rule.RECESS_ASSIGN) if assign_by else None,
                )
                self.refresh_next_due()
        except IntegrityError:
            # SQLite takes no row lock: the unique constraint is the last word there, and
            # the number check, run again now that the other request committed, says why.
            self.pk = None
            Proposal.check_number_free(self.number, session=self.session)
            raise

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
        self.workflow.check(self, "assign", by)
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
        assigned_on = assigned_on or timezone.localdate()
        refuse_future(assigned_on, Assignment._meta.get_field("assigned_on").verbose_name)
        plan = [(lead, Assignment.Role.LEAD)] if lead else []
        plan += [(d, Assignment.Role.CO) for d in co] + [(d, Assignment.Role.SEPARATE) for d in separate]
        try:
            with transaction.atomic():
                self.lock()
                # Checked again under the lock: another request may have assigned meanwhile.
                self.workflow.check(self, "assign", by)
                self.check_departments_free(chosen)
                if (
                    lead is not None
                    and self.responsible_assignments().filter(role=Assignment.Role.LEAD).exists()
                ):
                    raise InvalidTransition(gettext("This suggestion already has a lead department."))
                created = [
                    Assignment.create_for(
                        self, department, role, assigned_on=assigned_on, by=by, reason=reason
                    )
                    for department, role in plan
                ]
                if self.status == self.Status.REGISTERED:
                    self._move("mark_assigned", by=by, reason=reason)
                self.refresh_next_due()
        except IntegrityError:
            # Only without row locks (SQLite): the unique constraints caught the second request.
            raise InvalidTransition(
                gettext("Already assigned to: %(names)s.") % {"names": "、".join(d.name for d in chosen)}
            ) from None
        return created

    def lock(self) -> Proposal:
        """Lock this suggestion's row until the transaction ends and read its state again
        (status, next deadline) under the lock; the related rows already loaded (congress,
        session, with their caches) are kept. See ProposalQuerySet.lock."""
        row = Proposal.objects.select_for_update(of=("self",)).values("status", "next_due_on").get(pk=self.pk)
        self.status, self.next_due_on = row["status"], row["next_due_on"]
        return self

    def check_departments_free(self, departments: Iterable[Department]) -> None:
        """InvalidTransition naming the units that already hold this suggestion."""
        taken = set(
            self.assignments.exclude(status=Assignment.Status.WITHDRAWN)
            .filter(department__in=list(departments))
            .values_list("department__name", flat=True)
        )
        if taken:
            raise InvalidTransition(
                gettext("Already assigned to: %(names)s.") % {"names": "、".join(sorted(taken))}
            )

    def close(self, *, by: User, reason: str) -> None:
        """Staff close a replied suggestion (e.g. the feedback window passed in silence)."""
        self.workflow.check(self, "close", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Give a reason for closing."))
        with transaction.atomic():
            self.lock()
            self._move("close", by=by, reason=reason)
            self.refresh_next_due()

    def withdraw(self, *, by: User, reason: str) -> None:
        """The lead deputy takes back a suggestion no unit has been given yet (撤回), or
        staff do on the lead deputy's written request; the reason is required."""
        self.workflow.check(self, "withdraw", by)
        reason = reason.strip()
        if not reason:
            raise InvalidTransition(gettext("Say why the suggestion is withdrawn."))
        with transaction.atomic():
            self.lock()
            # Checked again under the lock, which assign() takes too: staff may have
            # assigned it meanwhile, and then this is refused with nothing written.
            transition = self.workflow.check(self, "withdraw", by)
            from_status = self.status
            guarded_update(self, transition, expected=from_status)
            asked: dict[str, Any] = {}
            if not _is_lead_deputy(by, self):
                # Staff act for the deputy: who asked is recorded with who acted.
                asked = {"requested_by": self.lead_deputy.name, "requested_by_id": self.lead_deputy_id}
            ProposalEvent.record(
                ProposalEvent.Kind.PROPOSAL_WITHDRAWN,
                proposal=self,
                by=by,
                from_status=from_status,
                to_status=self.status,
                reason=reason,
                **asked,
            )
            self.refresh_next_due()
            deadlines_changed(self)

    # What staff may correct (Proposal.edit), in the order an event names them, with the
    # column each is stored in.
    EDITABLE = {"title": "title", "body": "body", "category": "category_id"}

    def edit(self, *, by: User, title: str, body: str, category: Category | None, reason: str) -> None:
        """Staff correct the title, text or category before the suggestion is replied to.

        Only the fields that differ from the stored row are written, and the event keeps
        their old values. The subject terms (related suggestions) are indexed again; on
        PostgreSQL the search documents follow the UPDATE through their triggers
        (proposals 0010, responses 0007)."""
        self.workflow.check(self, "edit", by)
        if not reason.strip():
            raise InvalidTransition(gettext("Say why the suggestion is corrected."))
        # A textarea posts CRLF line ends: a text left as it was is not a correction.
        title, body = title.strip(), body.replace("\r\n", "\n").strip()
        if not title:
            raise InvalidTransition(gettext("A suggestion needs a title."))
        if category is not None and category.congress_id != self.congress_id:
            raise InvalidTransition(gettext("This category belongs to another congress."))
        wanted = {"title": title, "body": body, "category_id": category.pk if category else None}
        with transaction.atomic():
            locked = Proposal.objects.lock(self.pk)
            # Checked again under the lock: a reply may have been sent meanwhile.
            transition = self.workflow.check(locked, "edit", by)
            changed = [
                name
                for name, column in self.EDITABLE.items()
                if _comparable(getattr(locked, column)) != _comparable(wanted[column])
            ]
            if not changed:
                raise InvalidTransition(
                    gettext("Nothing to correct: the title, text and category are unchanged.")
                )
            before: dict[str, object] = {
                name: getattr(locked, name) for name in changed if name != "category"
            }
            if "category" in changed:
                old = locked.category
                before["category"] = {"id": old.pk, "name": str(old)} if old else {"name": ""}
            fields = {self.EDITABLE[name]: wanted[self.EDITABLE[name]] for name in changed}
            guarded_update(locked, transition, expected=locked.status, fields=fields)
            ProposalEvent.record(
                ProposalEvent.Kind.EDITED,
                proposal=locked,
                by=by,
                reason=reason,
                fields=changed,
                before=before,
            )
            if "title" in changed or "body" in changed:
                locked.index_subject()
        for column, value in fields.items():
            setattr(self, column, value)
        if "category" in changed:
            self.category = category

    def sync_status(self, *, by: User | None, reason: str = "") -> None:
        """Move the suggestion forward when its assignments say so (inside a transaction,
        with the suggestion locked)."""
        responsible = list(self.responsible_assignments().values_list("status", flat=True))
        if not responsible:
            return
        A = Assignment.Status
        if all(s == A.REPLIED for s in responsible):
            step = "mark_replied"
        elif all(s not in (A.PENDING, A.CHANGE_REQUESTED) for s in responsible):
            step = "start_handling"
        else:
            return
        if self.workflow.refusal(self, step, None) is None:
            self._move(step, by=by, reason=reason)

    def refresh_next_due(self) -> None:
        """Recompute the earliest open deadline that drives the urgency order."""
        if self.status in self.ENDED:
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

    def refresh_grade(self) -> None:
        """Recompute the grade of the latest sent reply (inside the transaction that sent or
        re-graded a reply, with the suggestion locked)."""
        from responses.models import Reply

        latest = (
            Reply.objects.filter(assignment__proposal=self, status=Reply.Status.SENT)
            .order_by("-sent_on", "-pk")
            .values_list("grade", flat=True)
            .first()
        )
        # Compared in the database: this instance may have been read before the lock.
        self.grade = latest or ""
        Proposal.objects.filter(pk=self.pk).exclude(grade=self.grade).update(grade=self.grade)

    def _move(self, name: str, *, by: User | None, reason: str = "", **data: Any) -> None:
        """Take transition ``name`` of the table (a guarded write) and record the status event.
        The caller has checked who may (close) or is the system (the other moves)."""
        transition = self.workflow.check(self, name, None)
        from_status = self.status
        guarded_update(self, transition, expected=from_status)
        ProposalEvent.record(
            ProposalEvent.Kind.STATUS,
            proposal=self,
            by=by,
            from_status=from_status,
            to_status=self.status,
            reason=reason,
            **data,
        )
        deadlines_changed(self)
