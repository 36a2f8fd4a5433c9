"""Who may see suggestions and assignments, and the 403 for those who may not act.

Records a user may not see are a 404 (their existence is not revealed); records a
user may see but may never take an action on (the action's "who" in the model's
transition table says no) are a 403. Whether the action is possible in the record's
current state is the transition's to say, as a message.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from proposals.models import Assignment, Proposal, Submission

Actor = Literal["staff", "department", "leader", "deputy"]


def user_may(request: HttpRequest, actor: Actor, *, department_id: int | None = None) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if actor == "staff":
        return user.is_congress_staff
    if actor == "department":
        return user.is_department_user and user.department_id == department_id
    if actor == "leader":
        return user.is_department_leader and user.department_id == department_id
    if actor == "deputy":
        return user.deputy_profile is not None
    raise ValueError(actor)


def require(request: HttpRequest, actor: Actor, *, department_id: int | None = None) -> None:
    """403 unless the signed-in user is of the given kind (for a department, that one)."""
    if not user_may(request, actor, department_id=department_id):
        raise PermissionDenied


def require_action(request: HttpRequest, obj: Any, *actions: str) -> None:
    """403 unless the user is someone who may take one of ``actions`` on ``obj`` (the
    "who" of its transition table); the state is checked by the transition itself."""
    if not any(obj.workflow[action].permits(request.user, obj) for action in actions):
        raise PermissionDenied


def get_proposal_for_user(request: HttpRequest, pk: int, *, action: str | None = None) -> Proposal:
    queryset = Proposal.objects.visible_to(request.user).select_related(
        "congress", "session", "category", "category__parent", "lead_deputy", "created_by"
    )
    proposal = get_object_or_404(queryset, pk=pk)
    if action is not None:
        require_action(request, proposal, action)
    return proposal


def get_assignment_for_user(request: HttpRequest, pk: int, *actions: str) -> Assignment:
    queryset = Assignment.objects.visible_to(request.user).select_related(
        "proposal", "proposal__congress", "proposal__session", "proposal__lead_deputy", "department"
    )
    assignment = get_object_or_404(queryset, pk=pk)
    if actions:
        require_action(request, assignment, *actions)
    return assignment


def get_submission_for_user(request: HttpRequest, pk: int, *actions: str) -> Submission:
    """An online submission the user may see (its lead deputy, an invited co-signer, staff
    once it is submitted), else 404; 403 when ``actions`` are never theirs to take."""
    queryset = Submission.objects.visible_to(request.user).select_related(
        "congress", "session", "category", "category__parent", "lead_deputy", "proposal", "exclusion"
    )
    submission = get_object_or_404(queryset, pk=pk)
    if actions:
        require_action(request, submission, *actions)
    return submission
