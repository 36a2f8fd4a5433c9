"""Pages for suggestions: the list, intake, detail and progress, assignment and the
department queue; and the POST-only actions on assignments.

Every view finds its records through proposals.access, parses its input and calls one
model transition; the transitions decide what the current state allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proposals import exports
from proposals.access import get_assignment_for_user, get_proposal_for_user, require
from proposals.filters import ProposalFilter
from proposals.forms import (
    AssignForm,
    ContactForm,
    DecideChangeForm,
    ExtendForm,
    ProposalEditForm,
    ProposalForm,
    ReasonForm,
)
from proposals.models import Assignment, Contact, Department, Deputy, Proposal, ProposalEvent, Relation
from proposals.recurring import earlier_years
from proposals.related import related_suggestions
from proposals.timeline import timeline
from responses.models import Consultation, CoOpinion, Feedback, Obligation, Reply
from tracker.actions import perform
from tracker.keyset import Key
from tracker.paging import capped_count, count_label, paginate
from tracker.workflow import InvalidTransition
from tracker.xlsx import invalid_filters_response, require_exporter, wants_xlsx

PER_PAGE = 25
MAX_PER_PAGE = 100


def _paged(
    request: HttpRequest, queryset: QuerySet[Any], keys: Sequence[Key] | None = None
) -> dict[str, Any]:
    return paginate(request, queryset, per_page=PER_PAGE, max_per_page=MAX_PER_PAGE, keys=keys)


Status = Assignment.Status
Role = Assignment.Role


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _role_order() -> Case:
    return Case(
        When(role=Role.LEAD, then=Value(0)),
        When(role=Role.SEPARATE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _responsible_assignments() -> QuerySet[Assignment]:
    """Lead and separate assignments in force, with their department, for list rows."""
    return (
        Assignment.objects.filter(role__in=[Role.LEAD, Role.SEPARATE])
        .exclude(status=Status.WITHDRAWN)
        .select_related("department")
        .order_by(_role_order(), "pk")
    )


def _co_signer_count(proposal_ref: str = "pk") -> Coalesce:
    """Co-signers per suggestion as a subquery: a Count over the join would make every
    list query, the pagination count included, GROUP BY the whole row."""
    per_proposal = (
        Proposal.co_signers.through.objects.filter(proposal_id=OuterRef(proposal_ref))
        .order_by()
        .values("proposal_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_proposal, output_field=IntegerField()), Value(0))


def _reply_due_on(assignments: list[Assignment]) -> date | None:
    """The earliest open reply deadline: what a deputy waits for. Co-handlers' opinion
    deadlines, which also drive Proposal.next_due_on, are internal to the departments."""
    return min((a.due_on for a in assignments if a.is_responsible and a.is_open), default=None)


def _days_left(due_on: date | None) -> int | None:
    return None if due_on is None else (due_on - timezone.localdate()).days


# ---------------------------------------------------------------------------
# List and intake
# ---------------------------------------------------------------------------


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    queryset = (
        Proposal.objects.visible_to(request.user)
        .select_related("session", "lead_deputy")
        .annotate(co_signer_count=_co_signer_count())
        .prefetch_related(Prefetch("assignments", queryset=_responsible_assignments(), to_attr="responsible"))
        .by_urgency()
    )
    proposal_filter = ProposalFilter(request.GET, queryset=queryset)
    if wants_xlsx(request):
        require_exporter(request)
        return invalid_filters_response(proposal_filter.form) or exports.proposal_list_response(
            proposal_filter.qs
        )
    context = {
        "filter": proposal_filter,
        # Whether any filter is set: the folded filters (on a phone) then stay open.
        "filters_active": any(v for k, v in request.GET.items() if k not in {"page", "per_page"}),
        **_paged(request, proposal_filter.qs, keys=proposal_filter.order_keys),
    }
    return render(request, "proposals/proposal_list.html", context)


# What a searchable select (proposals/widgets.py) may look up, and how many names it offers.
CHOICES = {"deputies": Deputy, "departments": Department}
CHOICES_LIMIT = 20


@login_required
def choices(request: HttpRequest, kind: str) -> JsonResponse:
    """Names containing ``?q=`` for the list's deputy and department filters, as JSON:
    {"results": [{"id": …, "text": …}], "more": bool}. For congress staff and department
    users, who filter whole lists; a deputy's list is their own suggestions."""
    if not (request.user.is_congress_staff or request.user.is_department_user):
        raise PermissionDenied
    model = CHOICES.get(kind)
    if model is None:
        raise Http404
    term = request.GET.get("q", "").strip()[:50]
    match = Q(name__icontains=term)
    if model is Department:
        match |= Q(short_name__icontains=term)
    found = list(model.objects.filter(match).order_by("name", "pk")[: CHOICES_LIMIT + 1]) if term else []
    results = [{"id": obj.pk, "text": str(obj)} for obj in found[:CHOICES_LIMIT]]
    return JsonResponse({"results": results, "more": len(found) > CHOICES_LIMIT})


@login_required
def proposal_create(request: HttpRequest) -> HttpResponse:
    require(request, "staff")
    form = ProposalForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        proposal = form.save(commit=False)
        try:
            proposal.log(by=request.user, co_signers=form.cleaned_data["co_signers"])
        except ValidationError as exc:
            # The same number logged by another request since the form was checked.
            form.add_error(None, exc)
        else:
            messages.success(request, _("Suggestion No. %(number)s is logged.") % {"number": proposal.number})
            _flag_recurring(request, proposal)
            return redirect(proposal)
    return render(request, "proposals/proposal_form.html", {"form": form})


def _flag_recurring(request: HttpRequest, proposal: Proposal) -> None:
    """At intake: say so when the subject was raised in earlier years (年年提)."""
    earlier = earlier_years(proposal, user=request.user)
    if earlier:
        years = sorted({row.proposal.session.year for row in earlier})
        messages.warning(
            request,
            _("Recurring suggestion (年年提): the same subject was raised in %(years)s.")
            % {"years": "、".join(str(y) for y in years)},
        )


# ---------------------------------------------------------------------------
# Detail: the working page for staff and departments, progress for deputies
# ---------------------------------------------------------------------------


@dataclass
class AssignmentPanel:
    """One assignment row with the action forms the signed-in user may use on it now
    (``Assignment.actions``: the model's transition table decides, not this view)."""

    assignment: Assignment
    actions: frozenset[str]
    request_change_form: ReasonForm | None = None
    contact_form: ContactForm | None = None
    reply_url: str = ""
    opinion_url: str = ""
    extend_form: ExtendForm | None = None
    decide_form: DecideChangeForm | None = None
    remind_url: str = ""
    remind_stage: int | None = None

    @property
    def can_accept(self) -> bool:
        return "accept" in self.actions

    @property
    def has_buttons(self) -> bool:
        return bool(self.can_accept or self.reply_url or self.opinion_url)

    @property
    def has_actions(self) -> bool:
        # Some actions are taken elsewhere (re-handling is decided on the reply's rating).
        return bool(
            self.has_buttons
            or self.request_change_form
            or self.contact_form
            or self.extend_form
            or self.decide_form
            or self.remind_url
        )


def _panel(
    request: HttpRequest, assignment: Assignment, today: date, department_choices: list[tuple[Any, str]]
) -> AssignmentPanel:
    actions = assignment.actions(request.user, today=today)
    panel = AssignmentPanel(assignment, actions)

    def auto_id(form: str) -> str:
        # Several forms per assignment and several assignments per page: keep ids unique.
        return f"id_a{assignment.pk}_{form}_%s"

    if "request_change" in actions:
        panel.request_change_form = ReasonForm(auto_id=auto_id("change"))
    if "record_contact" in actions:
        panel.contact_form = ContactForm(auto_id=auto_id("contact"))
    if "write_reply" in actions:
        panel.reply_url = reverse("responses:reply_edit", args=[assignment.pk])
    if "send_opinion" in actions:
        panel.opinion_url = reverse("responses:opinion", args=[assignment.pk])
    if "extend" in actions:
        panel.extend_form = ExtendForm(auto_id=auto_id("extend"))
    if "remind" in actions:
        obligation = Obligation.objects.main_for(assignment)
        if obligation is not None:
            panel.remind_url = reverse("responses:remind_now", args=[assignment.pk])
            panel.remind_stage = obligation.next_stage
    if actions & {"transfer", "refuse_change"}:
        panel.decide_form = DecideChangeForm(auto_id=auto_id("decide"), department_choices=department_choices)
    return panel


def _visible_opinions(
    request: HttpRequest, proposal: Proposal, assignments: list[Assignment]
) -> QuerySet[CoOpinion]:
    """Staff and the lead unit read every co-handling opinion; a co-handler its own."""
    user = request.user
    opinions = CoOpinion.objects.filter(assignment__proposal=proposal).select_related(
        "assignment__department", "submitted_by"
    )
    if user.is_congress_staff:
        return opinions
    lead_departments = {
        a.department_id for a in assignments if a.role == Role.LEAD and a.status != Status.WITHDRAWN
    }
    if user.department_id in lead_departments:
        return opinions
    return opinions.filter(assignment__department_id=user.department_id)


def _detail_context(request: HttpRequest, proposal: Proposal) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    actions = proposal.actions(user, today=today)
    assignments = list(
        proposal.assignments.select_related("department", "replaced_by__department").order_by(
            "created_at", "pk"
        )
    )
    contacts = Contact.objects.filter(assignment__proposal=proposal)
    replies = Reply.objects.visible_to(user).filter(assignment__proposal=proposal)
    former_unit = proposal.relation(user, assignments=assignments) == Relation.FORMER_UNIT
    if former_unit:
        # A unit whose assignment was withdrawn keeps its own part, not the new unit's.
        assignments = [a for a in assignments if a.department_id == user.department_id]
        contacts = contacts.filter(assignment__department_id=user.department_id)
        replies = replies.filter(assignment__department_id=user.department_id)
    department_choices: list[tuple[Any, str]] = []
    if user.is_congress_staff and any(a.status == Status.CHANGE_REQUESTED for a in assignments):
        # One list of units for every decide form on the page.
        department_choices = [("", "---------")] + [
            (d.pk, d.name) for d in Department.objects.filter(is_active=True)
        ]
    return {
        "proposal": proposal,
        "co_signers": list(proposal.co_signers.all()),
        "panels": [_panel(request, a, today, department_choices) for a in assignments],
        "opinions": _visible_opinions(request, proposal, assignments),
        "contacts": contacts.select_related("assignment__department", "recorded_by"),
        "replies": replies.select_related("assignment__department").order_by("assignment__pk", "round"),
        "events": timeline(
            ProposalEvent.objects.filter(proposal=proposal)
            .visible_to(user)
            .select_related("actor", "department")
            .order_by("created_at", "pk")
        ),
        "show_phones": proposal.may_see_phones(user, assignments=assignments),
        "next_due_on": None if former_unit else proposal.next_due_on,
        "next_days_left": None if former_unit else proposal.days_left(),
        "actions": actions,
        "close_form": ReasonForm(auto_id="id_close_%s") if "close" in actions else None,
        "withdraw_form": ReasonForm(auto_id="id_withdraw_%s") if "withdraw" in actions else None,
        "related": related_suggestions(proposal, user=user),
        "earlier": earlier_years(proposal, user=user),
    }


def _progress_context(request: HttpRequest, proposal: Proposal) -> dict[str, Any]:
    """What a deputy sees: who handles it, by when, the sent replies and promises; nothing internal."""
    deputy = proposal.deputy_of(request.user)
    sent = (
        Reply.objects.visible_to(request.user)
        .sent()
        .order_by("round")
        .prefetch_related(
            "commitments",
            Prefetch("feedback", queryset=Feedback.objects.filter(deputy=deputy), to_attr="my_feedback"),
        )
    )
    assignments = list(
        proposal.assignments.exclude(status=Status.WITHDRAWN)
        .select_related("department")
        .prefetch_related(Prefetch("replies", queryset=sent, to_attr="sent_replies"))
        .order_by(_role_order(), "pk")
    )
    reply_due_on = _reply_due_on(assignments)
    drafts = (
        Consultation.objects.awaiting_for(deputy)
        .filter(reply__assignment__proposal=proposal)
        .select_related("reply__assignment__department")
        if deputy is not None
        else []
    )
    actions = proposal.actions(request.user)
    return {
        "proposal": proposal,
        "withdraw_form": ReasonForm(auto_id="id_withdraw_%s") if "withdraw" in actions else None,
        "withdrawal": proposal.withdrawal(),
        "drafts_to_answer": list(drafts),
        "co_signers": list(proposal.co_signers.all()),
        "assignments": assignments,
        "next_due_on": reply_due_on,
        "next_days_left": _days_left(reply_due_on),
        "show_phones": proposal.may_see_phones(request.user),
    }


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk)
    # Staff and the units it was assigned to get the working page; its deputies the
    # progress page, even when they are also clerks of an unrelated unit.
    if not proposal.handled_by(request.user) and proposal.deputy_of(request.user) is not None:
        return render(request, "proposals/proposal_progress.html", _progress_context(request, proposal))
    return render(request, "proposals/proposal_detail.html", _detail_context(request, proposal))


# ---------------------------------------------------------------------------
# Staff actions on a suggestion
# ---------------------------------------------------------------------------


@login_required
def proposal_assign(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk, action="assign")
    form = AssignForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = proposal.assign(
                by=request.user,
                lead=data["lead"],
                co=data["co"],
                separate=data["separate"],
                assigned_on=data["assigned_on"],
                reason=data["reason"],
            )
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            for assignment in created:
                messages.success(
                    request,
                    _("%(department)s (%(role)s): due %(due)s — %(explanation)s")
                    % {
                        "department": assignment.department.name,
                        "role": assignment.get_role_display(),
                        "due": assignment.due_on.isoformat(),
                        "explanation": assignment.due_explanation,
                    },
                )
            return redirect(proposal)
    current = (
        proposal.assignments.exclude(status=Status.WITHDRAWN)
        .select_related("department")
        .order_by(_role_order(), "pk")
    )
    return render(
        request, "proposals/proposal_assign.html", {"proposal": proposal, "form": form, "current": current}
    )


@login_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff correct the title, text or category before the suggestion is replied to."""
    proposal = get_proposal_for_user(request, pk, action="edit")
    refusal = proposal.workflow.refusal(proposal, "edit", request.user)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(proposal)
    form = ProposalEditForm(request.POST if request.method == "POST" else None, proposal=proposal)
    if form.is_valid():
        try:
            proposal.edit(by=request.user, **form.cleaned_data)
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Suggestion No. %(number)s is corrected.") % {"number": proposal.number}
            )
            return redirect(proposal)
    return render(request, "proposals/proposal_edit.html", {"proposal": proposal, "form": form})


@login_required
@require_POST
def proposal_close(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk, action="close")
    return perform(
        request,
        lambda data: proposal.close(by=request.user, reason=data["reason"]),
        form=ReasonForm(request.POST),
        success=_("Suggestion No. %(number)s is closed.") % {"number": proposal.number},
        then=proposal,
        fresh=proposal,
    )


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回: the lead deputy (or staff, on the lead deputy's written request) takes back a
    suggestion not yet assigned."""
    proposal = get_proposal_for_user(request, pk, action="withdraw")
    return perform(
        request,
        lambda data: proposal.withdraw(by=request.user, reason=data["reason"]),
        form=ReasonForm(request.POST),
        success=_("Suggestion No. %(number)s is withdrawn.") % {"number": proposal.number},
        then=proposal,
        fresh=proposal,
    )


# ---------------------------------------------------------------------------
# Actions on one assignment (POST only)
# ---------------------------------------------------------------------------


@login_required
@require_POST
def assignment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "accept")
    return perform(
        request,
        lambda data: assignment.accept(by=request.user),
        success=_("Signed for."),
        then=assignment,
        fresh=assignment,
    )


@login_required
@require_POST
def assignment_request_change(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "request_change")
    return perform(
        request,
        lambda data: assignment.request_change(by=request.user, reason=data["reason"]),
        form=ReasonForm(request.POST),
        success=_("Change requested; congress staff will decide."),
        then=assignment,
        fresh=assignment,
    )


@login_required
@require_POST
def assignment_add_contact(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "record_contact")
    return perform(
        request,
        lambda data: assignment.record_contact(by=request.user, **data),
        form=ContactForm(request.POST),
        success=_("Contact recorded."),
        then=assignment,
    )


@login_required
@require_POST
def assignment_extend(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "extend")
    return perform(
        request,
        lambda data: assignment.extend(by=request.user, new_due_on=data["new_due_on"], reason=data["reason"]),
        form=ExtendForm(request.POST),
        success=lambda data: _("Deadline extended to %(date)s.") % {"date": data["new_due_on"].isoformat()},
        then=assignment,
    )


@login_required
@require_POST
def assignment_decide_change(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "transfer", "refuse_change")

    def success(data: dict[str, Any]) -> str:
        if data["approve"]:
            return _("Moved to %(department)s.") % {"department": data["new_department"].name}
        return _("Change request refused; %(department)s keeps the suggestion.") % {
            "department": assignment.department.name
        }

    return perform(
        request,
        lambda data: assignment.decide_change(
            by=request.user,
            approve=data["approve"],
            reason=data["reason"],
            new_department=data["new_department"] if data["approve"] else None,
            reset_deadline=data["reset_deadline"],
        ),
        form=DecideChangeForm(request.POST),
        success=success,
        then=assignment,
        fresh=assignment,
    )


# ---------------------------------------------------------------------------
# The department queue and the deputy's own list
# ---------------------------------------------------------------------------


@dataclass
class QueueRow:
    assignment: Assignment
    next_step: str
    url: str
    highlight: bool = False


def _queue_row(assignment: Assignment, user: Any) -> QueueRow:
    """Say what the department has to do next, and where it does it: the assignment's
    and its reply's actions for this user (from state and role; the page itself checks
    the guards)."""
    detail = assignment.get_absolute_url()
    reply = assignment.open_replies[0] if assignment.open_replies else None
    actions = assignment.workflow.allowed(assignment, user, guards=False)
    opinion = reverse("responses:opinion", args=[assignment.pk])
    drafting = reverse("responses:reply_edit", args=[assignment.pk])
    if assignment.status == Status.PENDING:
        text = _("Sign for by %(date)s") % {"date": assignment.respond_by.isoformat()}
        return QueueRow(assignment, text, opinion if assignment.role == Role.CO else detail)
    if assignment.status == Status.CHANGE_REQUESTED:
        return QueueRow(assignment, _("Change requested; awaiting congress staff"), detail)
    if "send_opinion" in actions and assignment.role == Role.CO:
        return QueueRow(assignment, _("Send opinion"), opinion)
    if assignment.status == Status.AWAITING_APPROVAL:
        url = reply.get_absolute_url() if reply else detail
        if reply is not None and "approve" in reply.workflow.allowed(reply, user, guards=False):
            return QueueRow(assignment, _("Approve the reply"), url, highlight=True)
        return QueueRow(assignment, _("Awaiting leader approval"), url)
    if reply is not None and reply.status == Reply.Status.RETURNED:
        return QueueRow(assignment, _("Revise the returned reply"), drafting)
    return QueueRow(assignment, _("Draft reply"), drafting)


# The queue's order, Assignment.objects.by_urgency() plus the pk, for keyset paging
# (index assignment_open_queue_idx: the unit's open assignments by due date).
QUEUE_KEYS = (Key("due_on"), Key("proposal__number"), Key("pk"))


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(request, "department", department_id=user.department_id)
    today = timezone.localdate()
    unsent = Reply.objects.exclude(status=Reply.Status.SENT).order_by("-round", "-pk")
    # The unit's own assignments and replies, which every member of the unit may see
    # (Assignment.visible_to, Reply.visible_to): read by the department alone, since
    # visible_to's OR with the deputy's own suggestions and with sent replies of visible
    # suggestions keeps PostgreSQL from driving the query from the unit's rows (at a
    # million suggestions the recent replies took over 5 s; through the assignment, still
    # 0.1-0.7 s for a small unit, hence Reply.replying_department).
    own = Assignment.objects.open().filter(department_id=user.department_id)
    assignments = (
        own.select_related("proposal", "proposal__lead_deputy", "proposal__session")
        .annotate(co_signer_count=_co_signer_count("proposal_id"))
        .prefetch_related(Prefetch("replies", queryset=unsent, to_attr="open_replies"))
        .by_urgency()
    )
    if wants_xlsx(request):
        return exports.assignment_list_response(assignments)
    paged = _paged(request, assignments, keys=QUEUE_KEYS)
    page_obj = paged["page_obj"]
    recent = (
        Reply.objects.sent()
        .filter(replying_department_id=user.department_id)  # the assignment's unit
        .select_related("assignment", "assignment__proposal")
        .order_by("-sent_on", "-pk")[:10]
    )
    overdue = capped_count(own.filter(due_on__lt=today), settings.LIST_COUNT_CAP)
    context = {
        **paged,
        "rows": [_queue_row(a, user) for a in page_obj],
        "overdue_count": overdue,
        "overdue_label": count_label(overdue, settings.LIST_COUNT_CAP),
        "recent": recent,
    }
    return render(request, "proposals/queue.html", context)


@login_required
def my_proposals(request: HttpRequest) -> HttpResponse:
    require(request, "deputy")
    deputy = request.user.deputy_profile
    current = (
        Assignment.objects.exclude(status=Status.WITHDRAWN)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "replies", queryset=Reply.objects.sent().order_by("-sent_on", "-pk"), to_attr="sent_replies"
            )
        )
        .order_by(_role_order(), "pk")
    )
    proposals = (
        Proposal.objects.visible_to(request.user)
        .led_or_co_signed_by(deputy)
        .select_related("session", "lead_deputy")
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .order_by("-received_on", "-number")
    )
    paged = _paged(request, proposals)
    for proposal in paged["page_obj"]:
        proposal.reply_due_on = _reply_due_on(proposal.current_assignments)
        proposal.reply_days_left = _days_left(proposal.reply_due_on)
    context = {**paged, "deputy": deputy}
    return render(request, "proposals/my_proposals.html", context)
