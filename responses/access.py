"""Who may see and act on replies and feedback (see proposals.access for the rules)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from proposals.access import Actor, require
from responses.models import Feedback, Reply


def get_reply_for_user(request: HttpRequest, pk: int, *, act: Actor | None = None) -> Reply:
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
    if act is not None:
        require(request, act, department_id=reply.assignment.department_id)
    return reply


def get_feedback_for_user(request: HttpRequest, pk: int, *, act: Actor | None = None) -> Feedback:
    replies = Reply.objects.visible_to(request.user)
    feedback = get_object_or_404(
        Feedback.objects.filter(reply__in=replies).select_related("reply", "reply__assignment", "deputy"),
        pk=pk,
    )
    if act is not None:
        require(request, act)
    return feedback
