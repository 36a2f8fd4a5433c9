"""Suggestions submitted online (代表网上提交建议) and the deputy's 待我处理 page.

A deputy drafts, invites co-signers, submits or withdraws; an invited deputy confirms or
declines; congress staff accept (the suggestion is numbered and logged) or return it.
Every view finds the submission through proposals.access and calls one transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from proposals.access import get_submission_for_user, require
from proposals.models import CoSignInvitation, Deputy, Proposal, Submission, SubmissionEvent
from proposals.submission_forms import (
    AcceptForm,
    CosignForm,
    ReturnForm,
    SubmissionForm,
    WithdrawForm,
    suggested_number,
)
from responses.access import visible_commitments
from responses.models import Commitment, Reply
from tracker.actions import form_errors, perform
from tracker.models import User
from tracker.paging import paginate
from tracker.workflow import InvalidTransition

# Rows of each kind on the 待我处理 page; the full lists are a link away.
TODO_LIMIT = 20


# ---------------------------------------------------------------------------
# The deputy's pages: list, new, edit
# ---------------------------------------------------------------------------


@login_required
@require_safe
def submission_list(request: HttpRequest) -> HttpResponse:
    """Staff: submissions waiting for them, then those decided. A deputy: their own."""
    user = request.user
    if user.is_congress_staff:
        waiting = Submission.objects.awaiting_staff().order_by("submitted_at", "pk")
        decided = Submission.objects.visible_to(user).exclude(status=Submission.Status.SUBMITTED)
        rows = decided.order_by("-decided_at", "-submitted_at", "-pk")
        context: dict[str, Any] = {"waiting": _with_names(waiting), "staff_view": True}
    elif user.deputy_profile is not None:
        rows = Submission.objects.filter(lead_deputy=user.deputy_profile).order_by("-updated_at", "-pk")
        context = {"waiting": [], "staff_view": False}
    else:
        raise PermissionDenied
    context.update(paginate(request, rows.select_related("session", "lead_deputy", "proposal"), per_page=25))
    return render(request, "proposals/submission_list.html", context)


def _with_names(queryset: Any) -> list[Submission]:
    return list(queryset.select_related("session", "lead_deputy")[:200])


@login_required
def submission_create(request: HttpRequest) -> HttpResponse:
    require(request, "deputy")
    deputy: Deputy = request.user.deputy_profile
    form = SubmissionForm(request.POST if request.method == "POST" else None, deputy=deputy)
    if form.is_valid():
        data = form.cleaned_data
        try:
            submission = Submission.draft(
                by=request.user,
                session=data["session"],
                title=data["title"],
                body=data["body"],
                category=data["category"],
                co_signers=data["co_signers"],
            )
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft saved. Invite your co-signers or submit it when ready."))
            return redirect(submission)
    return render(request, "proposals/submission_form.html", {"form": form, "submission": None})


@login_required
def submission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "edit")
    if "edit" not in submission.actions(request.user):
        messages.error(request, submission.workflow.refusal(submission, "edit", request.user) or "")
        return redirect(submission)
    initial = {
        "session": submission.session,
        "title": submission.title,
        "body": submission.body,
        "category": submission.category,
        "co_signers": list(submission.co_signers.all()),
    }
    form = SubmissionForm(
        request.POST if request.method == "POST" else None, deputy=submission.lead_deputy, initial=initial
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            submission.edit(
                by=request.user,
                session=data["session"],
                title=data["title"],
                body=data["body"],
                category=data["category"],
                co_signers=data["co_signers"],
            )
        except InvalidTransition as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Draft saved."))
            return redirect(submission)
    return render(request, "proposals/submission_form.html", {"form": form, "submission": submission})


# ---------------------------------------------------------------------------
# One submission: the page and its actions (POST only)
# ---------------------------------------------------------------------------


@login_required
@require_safe
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk)
    user = request.user
    actions = submission.actions(user)
    invitation = submission.invitation_for(user)
    invitations = list(submission.invitations.select_related("deputy"))
    context = {
        "submission": submission,
        "actions": actions,
        "is_lead": submission.workflow["edit"].permits(user, submission),
        "invitation": invitation,
        "invitation_actions": invitation.actions(user) if invitation is not None else frozenset(),
        "invitations": invitations,
        "to_invite": [] if invitations else list(submission.co_signers.all()),
        "accept_form": AcceptForm(initial={"number": suggested_number(submission.session)})
        if "accept" in actions
        else None,
        "return_form": ReturnForm(congress=submission.congress) if "return" in actions else None,
        "withdraw_form": WithdrawForm() if "withdraw" in actions else None,
        "submit_refusal": submission.workflow.refusal(submission, "submit", user)
        if submission.workflow["submit"].permits(user, submission)
        and submission.status in submission.workflow["submit"].sources
        else None,
        "entries": timeline(submission),
    }
    return render(request, "proposals/submission_detail.html", context)


@login_required
@require_POST
def submission_invite(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "invite")
    return perform(
        request,
        lambda _data: submission.invite(by=request.user),
        success=_("Invitations sent. Co-signers answer by %(date)s.")
        % {"date": timezone.localdate() + timedelta(days=submission.congress.cosign_window_days)},
        then=submission,
        fresh=submission,
    )


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "submit")
    return perform(
        request,
        lambda _data: submission.submit(by=request.user),
        success=_("Submitted to the congress office."),
        then=submission,
        fresh=submission,
    )


@login_required
@require_POST
def submission_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "withdraw")
    return perform(
        request,
        lambda data: submission.withdraw(by=request.user, reason=data["reason"]),
        form=WithdrawForm(request.POST),
        success=_("The suggestion is withdrawn."),
        then=submission,
        fresh=submission,
    )


@login_required
@require_POST
def submission_accept(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "accept")
    form = AcceptForm(request.POST)
    logged: list[Proposal] = []

    def accept(data: dict[str, Any]) -> None:
        try:
            logged.append(
                submission.accept(
                    by=request.user,
                    number=data["number"],
                    is_key=data["is_key"],
                    supervising_leader=data["supervising_leader"],
                )
            )
        except ValidationError as exc:
            # A number the congress's pattern refuses, or one already taken.
            raise InvalidTransition(" ".join(exc.messages)) from None

    return perform(
        request,
        accept,
        form=form,
        success=lambda data: _("Accepted as suggestion No. %(number)s.") % {"number": logged[0].number},
        then=submission,
        fresh=submission,
    )


@login_required
@require_POST
def submission_return(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_submission_for_user(request, pk, "return")
    return perform(
        request,
        lambda data: submission.return_(by=request.user, exclusion=data["exclusion"], reason=data["reason"]),
        form=ReturnForm(request.POST, congress=submission.congress),
        success=_("Returned to the deputy with the reason."),
        then=submission,
        fresh=submission,
    )


@login_required
@require_POST
def submission_cosign(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited deputy confirms or declines co-signing."""
    submission = get_submission_for_user(request, pk)
    invitation = submission.invitation_for(request.user)
    if invitation is None:
        raise PermissionDenied
    form = CosignForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect(submission)
    confirm = form.cleaned_data["answer"] == "confirm"
    return perform(
        request,
        lambda _data: invitation.answer(by=request.user, confirm=confirm),
        success=_("You have joined this suggestion as a co-signer.")
        if confirm
        else _("You have declined to co-sign this suggestion."),
        then=submission,
    )


# ---------------------------------------------------------------------------
# The timeline, in the reader's language
# ---------------------------------------------------------------------------


@dataclass
class Entry:
    created_at: Any
    actor: Any
    title: str
    change: str = ""
    detail: str = ""
    reason: str = ""
    department: None = None


def timeline(submission: Submission) -> list[Entry]:
    events = list(submission.events.select_related("actor"))
    ids = {pk for e in events for pk in [*e.data.get("co_signers", []), e.data.get("deputy")] if pk}
    names = dict(Deputy.objects.filter(pk__in=ids).values_list("pk", "name"))
    entries = []
    for event in events:
        data = event.data
        entry = Entry(event.created_at, event.actor, event.get_kind_display(), reason=event.reason)
        listed = "、".join(names.get(pk, "?") for pk in data.get("co_signers", []))
        if event.kind == SubmissionEvent.Kind.INVITED:
            entry.detail = _("Invited: %(names)s; answers due by %(date)s.") % {
                "names": listed,
                "date": data.get("due_on", ""),
            }
        elif event.kind in (SubmissionEvent.Kind.DRAFTED, SubmissionEvent.Kind.EDITED) and listed:
            entry.detail = _("Co-signers to invite: %(names)s") % {"names": listed}
        elif event.kind.startswith("cosign_"):
            entry.detail = names.get(data.get("deputy"), "")
        elif event.kind == SubmissionEvent.Kind.ACCEPTED:
            entry.detail = _("Logged as suggestion No. %(number)s.") % {"number": data.get("number", "")}
        elif event.kind == SubmissionEvent.Kind.RETURNED:
            entry.detail = data.get("exclusion_text", "")
        entries.append(entry)
    return entries


# ---------------------------------------------------------------------------
# 待我处理: what waits for the deputy
# ---------------------------------------------------------------------------


@dataclass
class Todo:
    invitations: list[CoSignInvitation] = field(default_factory=list)
    drafts: list[Submission] = field(default_factory=list)
    returned: list[Submission] = field(default_factory=list)
    # Reply drafts sent to the deputy for comment before approval (征询意见): filled by
    # drafts_to_comment(), the consultation's hook.
    drafts_to_comment: list[Any] = field(default_factory=list)
    replies_to_rate: list[Reply] = field(default_factory=list)
    promises: list[Commitment] = field(default_factory=list)
    # Logged suggestions no unit has yet, which the deputy may still withdraw (撤回): a
    # choice open to them, not a task, so not counted.
    withdrawable: list[Proposal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.invitations)
            + len(self.drafts)
            + len(self.drafts_to_comment)
            + len(self.replies_to_rate)
            + len(self.promises)
        )


def drafts_to_comment(user: User, deputy: Deputy) -> list[Any]:
    """Reply drafts awaiting this deputy's comment and publication consent (the
    consultation before the reply, 征询意见), the oldest first."""
    from responses.models import Consultation  # responses builds on proposals

    return list(
        Consultation.objects.awaiting_for(deputy)
        .select_related("reply__assignment__proposal", "reply__assignment__department")
        .order_by("sent_at", "pk")[:TODO_LIMIT]
    )


def todo_for(user: User, deputy: Deputy) -> Todo:
    """Everything that waits for ``deputy``, each list at most TODO_LIMIT long."""
    today = timezone.localdate()
    mine = Proposal.objects.of_deputy(user)
    invitations = (
        CoSignInvitation.objects.filter(
            deputy=deputy,
            status=CoSignInvitation.Status.PENDING,
            submission__status=Submission.Status.INVITING,
            submission__cosign_due_on__gte=today,
        )
        .select_related("submission", "submission__lead_deputy", "submission__session")
        .order_by("submission__cosign_due_on", "pk")[:TODO_LIMIT]
    )
    drafts = (
        Submission.objects.filter(lead_deputy=deputy, status__in=Submission.BEFORE_STAFF)
        .select_related("session")
        .order_by("-updated_at", "-pk")[:TODO_LIMIT]
    )
    returned = (
        Submission.objects.filter(
            lead_deputy=deputy,
            status=Submission.Status.RETURNED,
            decided_at__gte=timezone.now() - timedelta(days=30),
        )
        .select_related("exclusion")
        .order_by("-decided_at")[:TODO_LIMIT]
    )
    # Sent replies of the current round not yet rated by this deputy; the rows are then
    # asked Reply.actions, whose "rate" row is the rule.
    candidates = (
        Reply.objects.sent()
        .filter(assignment__proposal__in=mine, round=F("assignment__round"))
        .exclude(feedback__deputy=deputy)
        .select_related("assignment", "assignment__department", "assignment__proposal")
        .order_by("-sent_on", "-pk")[:TODO_LIMIT]
    )
    promises = (
        visible_commitments(user)
        .filter(
            reply__status=Reply.Status.SENT,
            reply__assignment__proposal__in=mine,
            status__in=Commitment.TO_KEEP,
        )
        .select_related("department", "reply__assignment__proposal")
        .order_by("due_on", "pk")[:TODO_LIMIT]
    )
    # Asked Proposal.actions, whose "withdraw" row is the rule (its guard reads the
    # prefetched assignments, so no query per row).
    not_assigned = (
        Proposal.objects.filter(lead_deputy=deputy, status=Proposal.Status.REGISTERED)
        .select_related("session")
        .prefetch_related("assignments")
        .order_by("-received_on", "-pk")[:TODO_LIMIT]
    )
    return Todo(
        withdrawable=[p for p in not_assigned if "withdraw" in p.actions(user, today=today)],
        invitations=list(invitations),
        drafts=list(drafts),
        returned=list(returned),
        drafts_to_comment=drafts_to_comment(user, deputy),
        replies_to_rate=[reply for reply in candidates if "rate" in reply.actions(user, today=today)],
        promises=list(promises),
    )


@login_required
@require_safe
def todo(request: HttpRequest) -> HttpResponse:
    """待我处理: co-sign invitations, drafts, replies to rate, promises made to the deputy."""
    require(request, "deputy")
    deputy = request.user.deputy_profile
    return render(
        request,
        "proposals/todo.html",
        {"todo": todo_for(request.user, deputy), "deputy": deputy, "today": timezone.localdate()},
    )
