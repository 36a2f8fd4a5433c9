"""Who may see and act on replies and feedback (see proposals.access for the rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from proposals.access import require_action
from responses.models import Commitment, Consultation, Evidence, Feedback, Reply

if TYPE_CHECKING:
    from tracker.models import User


def get_reply_for_user(request: HttpRequest, pk: int, *actions: str) -> Reply:
    queryset = Reply.objects.visible_to(request.user).select_related(
        "assignment",
        "assignment__department",
        "assignment__proposal",
        "assignment__proposal__congress",
        "assignment__proposal__session",
        "assignment__proposal__lead_deputy",
        "approved_by",
    )
    reply = get_object_or_404(queryset, pk=pk)
    if actions:
        require_action(request, reply, *actions)
    return reply


def get_feedback_for_user(request: HttpRequest, pk: int, *actions: str) -> Feedback:
    replies = Reply.objects.visible_to(request.user)
    feedback = get_object_or_404(
        Feedback.objects.filter(reply__in=replies).select_related("reply", "reply__assignment", "deputy"),
        pk=pk,
    )
    if actions:
        require_action(request, feedback, *actions)
    return feedback


def get_consultation_for_user(request: HttpRequest, pk: int, *actions: str) -> Consultation:
    """A draft sent to the lead deputy: for staff, the replying unit and that deputy (404
    for everyone else, co-signers included: a draft is not theirs to read)."""
    queryset = Consultation.objects.visible_to(request.user).select_related(
        "deputy",
        "sent_by",
        "reply",
        "reply__assignment",
        "reply__assignment__department",
        "reply__assignment__proposal",
        "reply__assignment__proposal__congress",
        "reply__assignment__proposal__session",
        "reply__assignment__proposal__lead_deputy",
    )
    consultation = get_object_or_404(queryset, pk=pk)
    if actions:
        require_action(request, consultation, *actions)
    return consultation


def visible_commitments(user: User) -> QuerySet[Commitment]:
    """Whoever may see the reply sees its commitments (drafts stay in the department); a
    department also sees the sent promises it is responsible for."""
    visible = Q(reply__in=Reply.objects.visible_to(user))
    if user.is_authenticated and user.is_department_user:
        visible |= Q(department_id=user.department_id, reply__status=Reply.Status.SENT)
    return Commitment.objects.filter(visible)


def get_commitment_for_user(request: HttpRequest, pk: int, *actions: str) -> Commitment:
    queryset = visible_commitments(request.user).select_related(
        "department",
        "reply__assignment__department",
        "reply__assignment__proposal__congress",
        "reply__assignment__proposal__lead_deputy",
        "confirmed_by",
    )
    commitment = get_object_or_404(queryset, pk=pk)
    if actions:
        require_action(request, commitment, *actions)
    return commitment


def get_evidence_for_user(request: HttpRequest, pk: int) -> Evidence:
    visible = visible_commitments(request.user)
    return get_object_or_404(Evidence.objects.filter(report__commitment__in=visible), pk=pk)
