"""The REST API, read-only: writes go through the workflow's pages.

Every queryset starts from ``visible_to(user)`` (and responses.access for commitments),
exactly as the pages do, so a record the user may not see is a 404 here too.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from proposals import statistics
from proposals.models import Assignment, Proposal
from proposals.statistics import Scope
from responses.access import visible_commitments
from responses.filters import CommitmentBoardFilter
from responses.models import Commitment, Feedback, Reply
from tracker.api import serializers
from tracker.api.filters import ApiProposalFilter, AssignmentFilter, ReplyFilter
from tracker.models import User

ROLES = (
    "Congress staff see every record; a department's clerks and leaders the suggestions "
    "assigned to their unit; a deputy the suggestions they led or co-signed."
)


def signed_in_user(request: Request) -> User:
    """The caller of a view that requires sign-in (the default permission, IsAuthenticated)."""
    return cast(User, request.user)


SIGN_IN = " Requires a token (`Authorization: Token <key>`) or a signed-in session; without one, 401."


@extend_schema_view(
    list=extend_schema(
        summary="List suggestions",
        description=f"Suggestions the caller may see, most urgent first (or by `sort`). {ROLES}"
        " Withdrawn assignments and internal deadlines are listed for staff and departments only." + SIGN_IN,
    ),
    retrieve=extend_schema(
        summary="One suggestion",
        description=f"A suggestion with its assignments; 404 for one the caller may not see. {ROLES}"
        + SIGN_IN,
    ),
)
class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ProposalSerializer
    filterset_class = ApiProposalFilter

    def get_queryset(self) -> QuerySet[Proposal]:
        user = signed_in_user(self.request)
        # Which assignments each caller reads is the serializer's (Proposal.relation).
        assignments = Assignment.objects.select_related("department").order_by("pk")
        return (
            Proposal.objects.visible_to(user)
            .select_related("congress", "session", "category", "category__parent", "lead_deputy")
            .prefetch_related("co_signers", Prefetch("assignments", assignments, to_attr="api_assignments"))
            .by_urgency()
        )


@extend_schema_view(
    list=extend_schema(
        summary="List assignments",
        description="Assignments (交办) the caller may see, earliest deadline first. Congress staff see "
        "all; a department user only their own unit's; a deputy those of their suggestions, "
        "except withdrawn ones." + SIGN_IN,
    ),
    retrieve=extend_schema(
        summary="One assignment",
        description="An assignment with its deadline; 404 for one the caller may not see." + SIGN_IN,
    ),
)
class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        user = signed_in_user(self.request)
        queryset = Assignment.objects.visible_to(user)
        return queryset.select_related(
            "proposal", "proposal__session", "proposal__lead_deputy", "department"
        ).order_by("due_on", "proposal__number", "pk")


@extend_schema_view(
    list=extend_schema(
        summary="List replies",
        description="Reply letters (答复函), newest first. Without a token: only letters sent and "
        "published (主动公开), with the public site's fields. Congress staff see every letter; "
        "a department its own unit's letters in every state and the sent letters of the "
        "suggestions assigned to it (never another unit's drafts); a deputy the sent letters "
        "of their suggestions, published or not.",
    ),
    retrieve=extend_schema(
        summary="One reply",
        description="A reply letter with its commitments; 404 for a letter the caller may not see "
        "(for anonymous callers: every letter not sent and published).",
    ),
)
class ReplyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ReplySerializer
    filterset_class = ReplyFilter
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Reply]:
        user = self.request.user
        replies = (
            Reply.objects.visible_to(user).with_phone_rule_for(user)
            if user.is_authenticated
            else Reply.objects.published().select_related("publication")
        )
        return (
            replies.select_related(
                "assignment__department", "assignment__proposal__session", "assignment__proposal__lead_deputy"
            )
            .prefetch_related(
                Prefetch("commitments", Commitment.objects.select_related("department")),
                Prefetch("feedback", Feedback.objects.select_related("deputy")),
            )
            .order_by("-sent_on", "-pk")
        )


@extend_schema_view(
    list=extend_schema(
        summary="List commitments",
        description="Promises made in replies (承诺事项), earliest due first. Without a token: those of "
        "published letters. Signed in: those of the letters the caller may see (a department's "
        "drafts stay in the department), and for a department also the sent promises it is "
        "responsible for.",
    ),
    retrieve=extend_schema(
        summary="One commitment", description="A commitment; 404 for one the caller may not see."
    ),
)
class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CommitmentSerializer
    filterset_class = CommitmentBoardFilter
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Commitment]:
        user = self.request.user
        if user.is_authenticated:
            commitments = visible_commitments(user)
        else:
            commitments = Commitment.objects.filter(reply__in=Reply.objects.published())
        return commitments.select_related(
            "department", "reply__assignment__proposal__session", "reply__assignment__proposal__lead_deputy"
        ).order_by("due_on", "pk")


class IsStaffOrDepartment(IsAuthenticated):
    message = _("Statistics are for congress staff and departments.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return (
            super().has_permission(request, view)
            and user.is_authenticated
            and (user.is_congress_staff or user.is_department_user)
        )


class StatisticsView(APIView):
    permission_classes = [IsStaffOrDepartment]

    @extend_schema(
        summary="Statistics",
        description="The dashboard's figures (proposals.statistics), computed in the database: "
        "received, replied on time / late / open, average days, the A–D split, ratings, "
        "re-handling, commitments, key suggestions, and communication with the deputies "
        "(沟通率 and 面商率, with their counts; the denominator is `assigned`), per department "
        "with a ranking, and "
        "per month. Congress staff see every department and may choose one; a department's "
        "users get their own department's figures and rank, and no other department's. "
        "Deputies and users without a role: 403." + SIGN_IN,
        parameters=[serializers.StatisticsQuerySerializer],
        responses=serializers.StatisticsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = serializers.StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        session = query.validated_data.get("session")
        department = query.validated_data.get("department")
        user = signed_in_user(request)
        if not user.is_congress_staff:
            department = user.department
        scope = Scope(
            year=None if session else query.validated_data.get("year"), session=session, department=department
        )
        today = timezone.localdate()
        # The figures and the per-department table from one set of aggregates.
        figures, table = statistics.summary(scope, today=today)
        own = next((row for row in table if department and row.department == department), None)
        data = {
            "scope": {"year": scope.year, "session": scope.session, "department": scope.department},
            "figures": figures,
            "rank": own.rank if own else None,
            "ranked_count": sum(1 for row in table if row.rank is not None),
            # As on the dashboard: a department sees its rank, not the others' figures.
            "departments": table if user.is_congress_staff else [own] if own else [],
            "trend": statistics.monthly_trend(scope),
        }
        return Response(serializers.StatisticsSerializer(data, context={"request": request}).data)
