"""Reply letters: co-handling opinions, drafting, sign-off, re-grading and deputy feedback."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from proposals.access import get_assignment_for_user, require, require_action, user_may
from proposals.models import Assignment, Proposal, ProposalEvent, Session
from proposals.timeline import timeline
from responses.access import (
    get_commitment_for_user,
    get_consultation_for_user,
    get_evidence_for_user,
    get_feedback_for_user,
    get_reply_for_user,
    visible_commitments,
)
from responses.exports import commitment_list_response
from responses.filters import CommitmentBoardFilter, ReminderFilter
from responses.forms import (
    ApproveForm,
    BaseCommitmentFormSet,
    CommitmentCommentForm,
    CommitmentFormSet,
    CommitmentReasonForm,
    ConsultationAnswerForm,
    ConsultForm,
    CoOpinionForm,
    DecideForm,
    FeedbackForm,
    FulfilForm,
    ProgressReportForm,
    RegradeForm,
    ReplyForm,
    ReturnForm,
)
from responses.models import Commitment, CoOpinion, Feedback, Reminder, Reply
from responses.reminders.health import health as reminder_health
from responses.reminders.listing import reminder_items
from responses.reminders.scan import remind_now as remind_obligation_now
from responses.review import build_review, review_workbook
from tracker.actions import form_errors, is_fresh, perform
from tracker.paging import paginate
from tracker.params import query_int, query_text
from tracker.uploads import bounded_upload
from tracker.workflow import InvalidTransition, stale_message
from tracker.xlsx import invalid_filters_response, require_exporter, wants_xlsx, xlsx_response

if TYPE_CHECKING:
    from tracker.models import User

# -- helpers ------------------------------------------------------------------


def letter_context(reply: Reply, *, show_phones: bool) -> dict[str, Any]:
    """What the formal letter needs; shared with the public page, so only published content.
    Phone numbers are masked unless ``show_phones``."""
    proposal = reply.assignment.proposal
    return {
        "reply": reply,
        "show_phones": show_phones,
        "proposal": proposal,
        "has_co_signers": proposal.co_signers.exists(),
        "paragraphs": [line.strip() for line in reply.body.splitlines() if line.strip()],
        "commitments": list(reply.commitments.select_related("department")),
    }


def _proposal_url(assignment: Assignment) -> str:
    return reverse("proposals:detail", args=[assignment.proposal_id])


# -- co-handling opinion ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opinion_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "send_opinion")
    if assignment.status == Assignment.Status.OPINION_SENT:
        messages.info(request, _("Your unit has already sent its opinion."))
        return redirect(_proposal_url(assignment))
    refusal = assignment.workflow.refusal(assignment, "send_opinion", request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect(_proposal_url(assignment))
    form = CoOpinionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            CoOpinion.submit(assignment, by=request.user, body=form.cleaned_data["body"])
        except InvalidTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The opinion was sent to the lead unit."))
            return redirect(_proposal_url(assignment))
    lead = (
        assignment.proposal.assignments.filter(role=Assignment.Role.LEAD)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .select_related("department")
        .first()
    )
    return render(
        request,
        "responses/opinion_form.html",
        {"assignment": assignment, "proposal": assignment.proposal, "lead": lead, "form": form},
    )


# -- drafting ---------------------------------------------------------------------


def _draft_initial(assignment: Assignment) -> dict[str, Any]:
    """A new round starts from the previous letter's contact and distribution; a first
    letter takes the contact person and phone of the unit's latest letter, which are
    nearly always the same person's."""
    previous = assignment.replies.filter(round__lt=assignment.round).order_by("-round").first()
    if previous is not None:
        return {
            name: getattr(previous, name)
            for name in ("publicity", "publicity_reason", "contact_name", "contact_phone", "copy_to")
        }
    initial: dict[str, Any] = {"publicity": Reply.Publicity.PUBLIC}
    latest = (
        Reply.objects.filter(assignment__department_id=assignment.department_id)
        .exclude(contact_name="")
        .order_by("-created_at", "-pk")
        .values("contact_name", "contact_phone")
        .first()
    )
    if latest is not None:
        initial.update(latest)
    return initial


def _save_draft(
    assignment: Assignment,
    reply: Reply | None,
    form: ReplyForm,
    commitments: BaseCommitmentFormSet,
    *,
    by: User,
) -> Reply:
    with transaction.atomic():
        if reply is None:
            reply = Reply.start_draft(assignment, by=by, **form.cleaned_data)
        else:
            reply.lock_for_edit(by=by)
            form.save()
        # A draft is not a record yet, so its commitments may still be removed; a sent
        # reply never reaches this view.
        commitments.instance = reply
        commitments.save()
    return reply


def _refuse_drafting(
    request: HttpRequest, assignment: Assignment, reply: Reply | None
) -> HttpResponse | None:
    """Send the user elsewhere when this assignment has no draft to write now (the
    assignment's and the draft's transition tables say why)."""
    if reply is not None and reply.workflow.refusal(reply, "edit", request.user) is not None:
        messages.info(
            request,
            _("This reply is %(status)s and can no longer be edited.")
            % {"status": reply.get_status_display()},
        )
        return redirect(reply)
    refusal = (
        None if reply is not None else assignment.workflow.refusal(assignment, "write_reply", request.user)
    )
    if refusal:
        messages.error(request, refusal)
        return redirect(_proposal_url(assignment))
    return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request, pk, "write_reply")
    reply = assignment.replies.filter(round=assignment.round).first()
    if refusal := _refuse_drafting(request, assignment, reply):
        return refusal
    data = request.POST if request.method == "POST" else None
    commitments = CommitmentFormSet(
        data,
        instance=reply or Reply(),
        prefix="commitments",
        form_kwargs={"default_department": assignment.department},
    )
    form = ReplyForm(
        data,
        instance=reply,
        congress=assignment.proposal.congress,
        commitments=commitments,
        initial=None if reply else _draft_initial(assignment),
    )
    if data is not None and form.is_valid() and commitments.is_valid():
        try:
            reply = _save_draft(assignment, reply, form, commitments, by=request.user)
        except InvalidTransition as exc:
            messages.error(request, str(exc))
        else:
            if "submit" not in request.POST:
                messages.success(request, _("The draft was saved."))
            else:
                _submit(request, reply, failure=_("The draft was saved but not submitted: %(error)s"))
            return redirect(reply)
    return render(
        request, "responses/reply_form.html", _drafting_context(assignment, reply, form, commitments)
    )


def _submit(request: HttpRequest, reply: Reply, *, failure: str = "%(error)s") -> None:
    try:
        reply.submit(by=request.user)
    except InvalidTransition as exc:
        messages.error(request, failure % {"error": exc})
    else:
        messages.success(request, _("The reply was submitted to your leader for approval."))


def _drafting_context(
    assignment: Assignment, reply: Reply | None, form: ReplyForm, commitments: BaseCommitmentFormSet
) -> dict[str, Any]:
    """Everything the clerk writes with: the suggestion, co-handlers' opinions, contacts, earlier rounds."""
    proposal = assignment.proposal
    co_assignments = (
        proposal.assignments.filter(role=Assignment.Role.CO)
        .exclude(status=Assignment.Status.WITHDRAWN)
        .select_related("department", "opinion", "opinion__submitted_by")
        .order_by("pk")
    )
    earlier = (
        assignment.replies.filter(round__lt=assignment.round)
        .order_by("round")
        .prefetch_related("feedback__deputy")
    )
    return {
        "assignment": assignment,
        "proposal": proposal,
        "reply": reply,
        "form": form,
        "commitments": commitments,
        "co_assignments": co_assignments,
        "contacts": assignment.contacts.select_related("recorded_by"),
        "earlier_replies": earlier,
        "has_co_signers": proposal.co_signers.exists(),
        "consultations": reply.consultation_rounds() if reply is not None else [],
        "consultation_required": proposal.congress.requires_consultation(is_key=proposal.is_key),
        "contact_problem": reply.contact_problem() if reply is not None else None,
        "contact_gate": proposal.congress.contact_before_reply,
    }


# -- the letter and its actions ---------------------------------------------------


@login_required
@require_safe
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk)
    context = letter_context(reply, show_phones=reply.assignment.proposal.may_see_phones(request.user))
    context.update(_actions_context(request, reply))
    context["other_rounds"] = (
        Reply.objects.visible_to(request.user)
        .filter(assignment=reply.assignment)
        .exclude(pk=reply.pk)
        .order_by("round")
    )
    return render(request, "responses/reply_detail.html", context)


def _actions_context(request: HttpRequest, reply: Reply) -> dict[str, Any]:
    """Which action forms this viewer gets: the reply's actions for this user now."""
    assignment = reply.assignment
    user = request.user
    actions = reply.actions(user)
    own_department = user_may(request, "department", department_id=assignment.department_id)
    is_staff = user_may(request, "staff")
    feedback = list(reply.feedback.select_related("deputy", "decided_by"))
    can_edit = "edit" in actions
    may_read_drafting = is_staff or own_department
    taking_part = (
        [
            problem
            for problem in (reply.contact_problem(), reply.consent_problem())
            if problem and reply.status in Reply.EDITABLE
        ]
        if can_edit
        else []
    )
    approve_refusal = (
        reply.workflow.refusal(reply, "approve", user)
        if "return" in actions and "approve" not in actions
        else None
    )
    return {
        "consultations": reply.consultation_rounds() if may_read_drafting else [],
        "consultation_required": reply.consultation_required,
        "can_consult": "consult" in actions,
        "consult_refusal": (
            reply.workflow.refusal(reply, "consult", user) if can_edit and "consult" not in actions else None
        ),
        "consult_form": ConsultForm(),
        "approve_refusal": approve_refusal,
        "assignment": assignment,
        "actions": actions,
        "own_department": own_department,
        "show_department_grade": True,
        "can_edit": can_edit,
        "problems": reply.problems() + taking_part if can_edit else [],
        "can_approve": "approve" in actions or "return" in actions,
        "can_regrade": "regrade" in actions,
        "can_rate": "rate" in actions,
        "feedback_rows": [
            (f, DecideForm(auto_id=f"id_decide{f.pk}_%s") if f.actions(user) else None) for f in feedback
        ],
        # The drafting history (returns, leader's comments) stays with staff and the department.
        "events": timeline(
            ProposalEvent.objects.filter(assignment=assignment)
            .visible_to(user)
            .select_related("actor", "department")
        )
        if is_staff or own_department
        else None,
        "approve_form": ApproveForm(initial={"sent_on": timezone.localdate()}),
        "return_form": ReturnForm(),
        "regrade_form": RegradeForm(congress=assignment.proposal.congress),
        "feedback_form": FeedbackForm(two_part=assignment.proposal.congress.two_part_rating),
    }


@login_required
@require_POST
def reply_submit(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk, "submit")
    if not is_fresh(request, reply):
        messages.error(request, stale_message(reply))
    else:
        _submit(request, reply)
    return redirect(reply)


@login_required
@require_POST
def reply_approve(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk, "approve")
    return perform(
        request,
        lambda data: reply.approve(by=request.user, sent_on=data["sent_on"]),
        form=ApproveForm(request.POST),
        success=_("The reply was approved and sent."),
        then=reply,
        fresh=reply,
    )


@login_required
@require_POST
def reply_return(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk, "return")
    return perform(
        request,
        lambda data: reply.return_to_clerk(by=request.user, comment=data["comment"]),
        form=ReturnForm(request.POST),
        success=_("The reply was returned to the clerk."),
        then=reply,
        fresh=reply,
    )


@login_required
@require_POST
def reply_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk, "regrade")
    return perform(
        request,
        lambda data: reply.regrade(data["grade"], by=request.user, reason=data["reason"]),
        form=RegradeForm(request.POST, congress=reply.assignment.proposal.congress),
        success=_("The grade was changed."),
        then=reply,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_give(request: HttpRequest, pk: int) -> HttpResponse:
    """The deputy's own rating page (collected by the congress, not the unit); the
    progress page's "rate this reply" link opens it."""
    reply = get_reply_for_user(request, pk, "rate")
    refusal = reply.workflow.refusal(reply, "rate", request.user)
    if refusal:
        (messages.error if request.method == "POST" else messages.info)(request, refusal)
        return redirect(reply)
    two_part = reply.assignment.proposal.congress.two_part_rating
    form = FeedbackForm(request.POST if request.method == "POST" else None, two_part=two_part)
    if form.is_bound and not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("responses:feedback", pk=reply.pk)
    if form.is_bound:
        data = form.cleaned_data
        try:
            Feedback.give(
                reply,
                by=request.user,
                rating=data["rating"],
                communication=data.get("communication", ""),
                comment=data["comment"],
            )
        except InvalidTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you; your feedback was recorded."))
        return redirect(reply)
    context = letter_context(reply, show_phones=reply.assignment.proposal.may_see_phones(request.user))
    context.update({"form": form, "two_part": two_part})
    return render(request, "responses/feedback_form.html", context)


# -- consultation on the draft (征询意见) -------------------------------------------


@login_required
@require_POST
def reply_consult(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_user(request, pk, "consult")
    return perform(
        request,
        lambda data: reply.consult(by=request.user, note=data["note"]),
        form=ConsultForm(request.POST),
        success=_("The draft was sent to the lead deputy for comment."),
        then=reply,
        fresh=reply,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as the lead deputy received it; the deputy answers here (on a phone)."""
    consultation = get_consultation_for_user(request, pk)
    if request.method == "POST":
        require_action(request, consultation, "answer")
        return perform(
            request,
            lambda data: consultation.answer(
                by=request.user, comment=data["comment"], consent=data["consent"]
            ),
            form=ConsultationAnswerForm(request.POST),
            success=_("Thank you; the unit sees your comments."),
            then=consultation,
            fresh=consultation,
        )
    reply = consultation.reply
    proposal = reply.assignment.proposal
    return render(
        request,
        "responses/consultation_detail.html",
        {
            "consultation": consultation,
            "reply": reply,
            "proposal": proposal,
            "assignment": reply.assignment,
            "can_answer": "answer" in consultation.actions(request.user),
            "form": ConsultationAnswerForm(),
            "others": [c for c in reply.consultation_rounds() if c.pk != consultation.pk],
            "show_phones": proposal.may_see_phones(request.user),
        },
    )


@login_required
@require_POST
def feedback_decide(request: HttpRequest, pk: int) -> HttpResponse:
    feedback = get_feedback_for_user(request, pk, "accept_rehandling", "decline_rehandling")

    def decide(data: dict[str, Any]) -> None:
        if data["decision"] == Feedback.Decision.REHANDLING:
            feedback.accept_rehandling(by=request.user, reason=data["reason"])
        else:
            feedback.decline_rehandling(by=request.user, reason=data["reason"])

    return perform(
        request,
        decide,
        form=DecideForm(request.POST),
        success=_("The decision was recorded."),
        then=feedback.reply,
        fresh=feedback,
    )


# -- reminders (staff) ------------------------------------------------------------


@login_required
@require_safe
def reminder_list(request: HttpRequest) -> HttpResponse:
    """Every reminder recorded, newest first, one row per item and stage (a suggestion's
    deadline or a promise) with its recipients listed, the engine's health at the top."""
    require(request, "staff")
    reminder_filter = ReminderFilter(request.GET, queryset=Reminder.objects.all())
    groups = (
        reminder_filter.qs.order_by()
        .values("obligation_id", "version", "stage")
        .annotate(latest=Max("created_at"), count=Count("pk"))
        # Referenced in HAVING, the aggregate stays in the paginator's COUNT, which then
        # counts groups (without it, Django counts the reminders).
        .filter(count__gt=0)
        .order_by("-latest", "-obligation_id", "-version", "-stage")
    )
    context: dict[str, Any] = {"filter": reminder_filter, "health": reminder_health()}
    context.update(paginate(request, groups, per_page=50, max_per_page=200))
    context["items"] = reminder_items(reminder_filter.qs, list(context["page_obj"]))
    return render(request, "responses/reminder_list.html", context)


@login_required
@require_POST
def remind_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff remind an open assignment now; it counts as the next stage, never sent twice."""
    assignment = get_assignment_for_user(request, pk, "remind")
    try:
        # The stage the page offered; a second press of the same button finds it taken.
        expected_stage: int | None = int(request.POST["stage"])
    except (KeyError, ValueError):
        expected_stage = None
    return perform(
        request,
        lambda _data: remind_obligation_now(assignment, by=request.user, expected_stage=expected_stage),
        success=_("Reminder sent to %(department)s.") % {"department": assignment.department.name},
        then=_proposal_url(assignment) + f"#assignment-{assignment.pk}",
    )


# -- commitments (承诺事项) -----------------------------------------------------------


@login_required
@require_safe
def commitment_list(request: HttpRequest) -> HttpResponse:
    """A department's promises still to keep; a deputy's promises made to them."""
    user = request.user
    if user.is_congress_staff:
        return _commitment_board(request)
    commitments = visible_commitments(user).filter(reply__status=Reply.Status.SENT)
    if not (user.is_department_user or user.deputy_profile is not None):
        raise PermissionDenied
    # A department's own promises; a deputy's, those made on their suggestions; a deputy
    # who is also a clerk, both. The Excel export is the department's list only.
    own = Q(department_id=user.department_id) if user.is_department_user else Q(pk__in=[])
    made_to_me = Q(reply__assignment__proposal__in=Proposal.objects.of_deputy(user))
    commitments = commitments.filter(own if wants_xlsx(request) else own | made_to_me)
    show_all = request.GET.get("all") == "1"
    if not show_all:
        commitments = commitments.filter(status__in=Commitment.TO_KEEP)
    commitments = commitments.select_related(
        "department", "reply__assignment__proposal", "reply__assignment__department"
    ).order_by("due_on", "pk")
    if wants_xlsx(request):
        require_exporter(request)
        return commitment_list_response(commitments)
    context: dict[str, Any] = {"show_all": show_all, "today": timezone.localdate()}
    context.update(paginate(request, commitments, per_page=50))
    return render(request, "responses/commitment_list.html", context)


@login_required
@require_safe
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One promise: due date, every report with its evidence, comments, and the actions allowed."""
    commitment = get_commitment_for_user(request, pk)
    actions = commitment.actions(request.user)
    context = {
        "commitment": commitment,
        "actions": actions,
        "reply": commitment.reply,
        "proposal": commitment.proposal,
        "reports": commitment.reports.select_related("created_by").prefetch_related("evidence"),
        "comments": commitment.comments.select_related("author"),
        "report_form": ProgressReportForm(auto_id="id_report_%s") if "report" in actions else None,
        "fulfil_form": FulfilForm(auto_id="id_fulfil_%s") if "claim" in actions else None,
        "may_confirm": "confirm" in actions,
        "reject_form": CommitmentReasonForm(auto_id="id_reject_%s") if "reject" in actions else None,
        "close_form": CommitmentReasonForm(auto_id="id_close_%s") if "close" in actions else None,
        "comment_form": CommitmentCommentForm() if "comment" in actions else None,
    }
    return render(request, "responses/commitment_detail.html", context)


@bounded_upload("evidence")
@login_required
@require_POST
def commitment_report(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "report")
    form = ProgressReportForm(request.POST, request.FILES)
    return perform(
        request,
        lambda d: commitment.report_progress(
            by=request.user,
            reported_on=d["reported_on"],
            summary=d["summary"],
            percent=d["percent"],
            milestone=d["milestone"],
            files=d["files"],
        ),
        success=_("The progress report is saved."),
        then=commitment.get_absolute_url(),
        form=form,
    )


@bounded_upload("evidence")
@login_required
@require_POST
def commitment_fulfil(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "claim")
    form = FulfilForm(request.POST, request.FILES)
    return perform(
        request,
        lambda d: commitment.claim_fulfilled(
            by=request.user, fulfilled_on=d["fulfilled_on"], summary=d["summary"], files=d["files"]
        ),
        success=_("Reported kept; congress staff will confirm it."),
        then=commitment.get_absolute_url(),
        form=form,
        fresh=commitment,
    )


@login_required
@require_POST
def commitment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "confirm")
    return perform(
        request,
        lambda _d: commitment.confirm(by=request.user),
        success=_("Confirmed: the promise was kept."),
        then=commitment.get_absolute_url(),
        fresh=commitment,
    )


@login_required
@require_POST
def commitment_reject(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "reject")
    return perform(
        request,
        lambda d: commitment.reject(by=request.user, reason=d["reason"]),
        success=_("Sent back to the department; the promise is open again."),
        then=commitment.get_absolute_url(),
        form=CommitmentReasonForm(request.POST),
        fresh=commitment,
    )


@login_required
@require_POST
def commitment_close(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "close")
    return perform(
        request,
        lambda d: commitment.close_not_fulfilled(by=request.user, reason=d["reason"]),
        success=_("Closed as not fulfilled; the deputy sees the reason."),
        then=commitment.get_absolute_url(),
        form=CommitmentReasonForm(request.POST),
        fresh=commitment,
    )


@login_required
@require_POST
def commitment_comment(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_commitment_for_user(request, pk, "comment")
    return perform(
        request,
        lambda d: commitment.add_comment(by=request.user, body=d["body"]),
        success=_("Your comment is saved."),
        then=commitment.get_absolute_url() + "#comments",
        form=CommitmentCommentForm(request.POST),
    )


@login_required
@require_safe
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve an evidence file to whoever may see its commitment, as a download."""
    evidence = get_evidence_for_user(request, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _commitment_board(request: HttpRequest) -> HttpResponse:
    """Staff: every promise across departments, overdue first, with a per-department summary."""
    today = timezone.localdate()
    board = CommitmentBoardFilter(
        request.GET,
        queryset=visible_commitments(request.user)
        .made()
        .select_related(
            "department", "reply__assignment__proposal__session", "reply__assignment__department"
        ),
    )
    commitments = board.qs.overdue_first(today)
    if wants_xlsx(request):
        return invalid_filters_response(board.form) or commitment_list_response(
            commitments, summary=board.qs.summary_by_department(today)
        )
    context: dict[str, Any] = {
        "filter": board,
        "summary": board.qs.summary_by_department(today),
        "today": today,
    }
    context.update(paginate(request, commitments, per_page=50, max_per_page=200))
    return render(request, "responses/commitment_board.html", context)


@login_required
@require_safe
def commitment_review(request: HttpRequest) -> HttpResponse:
    """The annual review (回头看) of B replies for a year or session; ?format=xlsx downloads it."""
    require(request, "staff")
    sessions = list(Session.objects.select_related("congress").order_by("-year", "name"))
    years = sorted({s.year for s in sessions}, reverse=True)
    session = next((s for s in sessions if str(s.pk) == query_text(request, "session")), None)
    year = query_int(request, "year", minimum=1949, maximum=2999)
    if year is None and years and session is None:
        year = years[0]
    review = build_review(timezone.localdate(), year=year, session=session)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            review_workbook(review), _("Commitment review %(title)s.xlsx") % {"title": review.title}
        )
    return render(
        request,
        "responses/commitment_review.html",
        {"review": review, "years": years, "sessions": sessions, "year": year, "session": session},
    )


# -- operators: /health/ ---------------------------------------------------------------


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """JSON for monitoring: last scan, last day's sends and failures, queue reachable.

    Open to congress staff, or to a monitor presenting ``Authorization: Bearer
    <HEALTH_CHECK_TOKEN>``. 200 when healthy, 503 otherwise.
    """
    token = settings.HEALTH_CHECK_TOKEN
    presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    by_token = bool(token) and hmac.compare_digest(presented.encode(), token.encode())
    user = request.user
    if not by_token and not (user.is_authenticated and user.is_congress_staff):
        return JsonResponse({"error": "forbidden"}, status=403)
    status = reminder_health()
    return JsonResponse(status, status=200 if status["ok"] else 503)
