"""What the API shows of each record, per audience: the same fields the pages show.

Three audiences: ``public`` (no sign-in: the letter of a published reply, as on the public
site), ``signed_in`` (a deputy: the progress page's facts) and ``internal`` (congress staff
and department users: the working pages' facts). A field marked for a higher audience is
left out of the response, and the schema lists it as optional.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from proposals.models import Assignment, Category, Department, Deputy, Proposal, Relation, Session
from responses.models import Commitment, Feedback, Reply
from tracker.privacy import mask_phone, mask_phones

PUBLIC, SIGNED_IN, INTERNAL = 0, 1, 2


def audience(user: Any) -> int:
    if not user.is_authenticated:
        return PUBLIC
    if user.is_congress_staff or user.is_department_user:
        return INTERNAL
    return SIGNED_IN


class AudienceSerializer(serializers.ModelSerializer):
    """Leaves out the fields named in ``Meta.restricted`` for audiences below their level."""

    class Meta:
        restricted: dict[str, int] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        restricted = getattr(self.Meta, "restricted", {})
        for name, field in fields.items():
            # The API is read-only: in the schema, a field present for every audience is
            # required, one left out for some audiences is optional.
            field.read_only = name not in restricted
            field.required = False
        return fields

    def level_for(self, instance: Any) -> int:
        """The audience this caller is for this record (by default, by who they are)."""
        return getattr(instance, "api_level", None) or audience(self.context["request"].user)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        level = self.level_for(instance)
        for name, needed in getattr(self.Meta, "restricted", {}).items():
            if level < needed:
                data.pop(name, None)
        return data


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]
        read_only_fields = fields


class DeputySerializer(serializers.ModelSerializer):
    class Meta:
        model = Deputy
        fields = ["id", "name", "delegation"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "name", "year"]
        read_only_fields = fields


class ProposalBriefSerializer(serializers.ModelSerializer):
    """The suggestion a reply, assignment or commitment belongs to."""

    session = SessionSerializer(read_only=True)
    lead_deputy = serializers.CharField(source="lead_deputy.name", read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "number", "title", "session", "lead_deputy"]
        read_only_fields = fields


class ProposalAssignmentSerializer(AudienceSerializer):
    """An assignment as listed on its suggestion."""

    department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "department", "role", "status", "assigned_on", "due_on", "round"]
        restricted = {"status": INTERNAL}


class ProposalSerializer(AudienceSerializer):
    """A suggestion with its assignments (withdrawn ones only for staff and departments)."""

    congress = serializers.CharField(source="congress.name")
    session = SessionSerializer()
    category: serializers.StringRelatedField[Category] = serializers.StringRelatedField(allow_null=True)
    lead_deputy = DeputySerializer()
    co_signers = DeputySerializer(many=True)
    assignments = ProposalAssignmentSerializer(many=True, source="api_assignments")

    class Meta:
        model = Proposal
        fields = [
            "id",
            "number",
            "title",
            "body",
            "congress",
            "session",
            "category",
            "lead_deputy",
            "co_signers",
            "received_on",
            "is_key",
            "supervising_leader",
            "status",
            "next_due_on",
            "assignments",
        ]
        restricted = {"next_due_on": INTERNAL}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # The page's view of this suggestion (Proposal.relation): the working facts for
        # staff and the units handling it; for a unit whose assignment was withdrawn,
        # its own assignment and none of its successor's; for its deputies (a clerk of
        # another unit included) the progress facts.
        user = self.context["request"].user
        relation = instance.relation(user, assignments=instance.api_assignments)
        show_phones = instance.may_see_phones(user, assignments=instance.api_assignments)
        if relation in (Relation.STAFF, Relation.UNIT):
            level = INTERNAL
        else:
            level = SIGNED_IN
            department_id = self.context["request"].user.department_id
            if relation == Relation.FORMER_UNIT:
                shown = [a for a in instance.api_assignments if a.department_id == department_id]
            else:
                shown = [a for a in instance.api_assignments if a.status != Assignment.Status.WITHDRAWN]
            instance.api_assignments = shown
        instance.api_level = level
        for assignment in instance.api_assignments:
            assignment.api_level = level
        data = super().to_representation(instance)
        if not show_phones:
            data["body"] = mask_phones(data["body"])
        return data


class AssignmentSerializer(AudienceSerializer):
    """A suggestion handed to one department (交办), with its deadline and how it was computed."""

    proposal = ProposalBriefSerializer()
    due_explanation = serializers.CharField(read_only=True, help_text="How the deadline was computed.")
    department = DepartmentSerializer()

    due_explanation = serializers.CharField(read_only=True, help_text="How the deadline was computed.")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "proposal",
            "department",
            "role",
            "status",
            "assigned_on",
            "due_on",
            "due_explanation",
            "respond_by",
            "round",
            "change_reason",
            "replaced_by",
        ]
        restricted = {
            "status": INTERNAL,
            "respond_by": INTERNAL,
            "change_reason": INTERNAL,
            "replaced_by": INTERNAL,
        }

    def level_for(self, instance: Any) -> int:
        # A department user reads its own unit's assignments as the working page does,
        # others' (those of suggestions they are the deputy of) as the deputy does.
        user = self.context["request"].user
        if user.is_congress_staff or instance.department_id == user.department_id:
            return INTERNAL
        return SIGNED_IN


class CommitmentBriefSerializer(serializers.ModelSerializer):
    """A promise as printed under its reply."""

    department = DepartmentSerializer(read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "description", "department", "due_on", "status"]
        read_only_fields = fields


class FeedbackSerializer(serializers.ModelSerializer):
    deputy = serializers.CharField(source="deputy.name", read_only=True)

    class Meta:
        model = Feedback
        fields = ["deputy", "rating", "comment", "created_at", "decision", "decision_reason"]
        read_only_fields = fields


class ReplySerializer(AudienceSerializer):
    """A reply letter (答复函). Without sign-in only published (主动公开) letters, with the
    public site's fields; signed-in readers also see the department's own grade, why a
    letter is not published and the deputies' ratings; staff and departments its status."""

    proposal = ProposalBriefSerializer(source="assignment.proposal")
    department = DepartmentSerializer(source="assignment.department")
    copy_to = serializers.ListField(child=serializers.CharField(), source="copy_to_list")
    commitments = CommitmentBriefSerializer(many=True)
    feedback = FeedbackSerializer(many=True)

    class Meta:
        model = Reply
        fields = [
            "id",
            "proposal",
            "department",
            "round",
            "document_number",
            "body",
            "grade",
            "grade_reason",
            "publicity",
            "contact_name",
            "contact_phone",
            "copy_to",
            "sent_on",
            "commitments",
            "department_grade",
            "publicity_reason",
            "feedback_due_on",
            "feedback",
            "status",
            "submitted_at",
        ]
        restricted = {
            "department_grade": SIGNED_IN,
            "publicity_reason": SIGNED_IN,
            "feedback_due_on": SIGNED_IN,
            "feedback": SIGNED_IN,
            "status": INTERNAL,
            "submitted_at": INTERNAL,
        }

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if not self.context["request"].user.is_authenticated:
            # The public reads what staff published (responses.Publication): personal
            # data removed, or the summary, and no contact person.
            instance = instance.publication.public_copy()
        data = super().to_representation(instance)
        # The contact's phone and any phone in the letter: in full only for staff and the
        # units handling the suggestion (ReplyViewSet fetches what the rule reads).
        if not instance.may_see_phones(self.context["request"].user):
            data["contact_phone"] = mask_phone(data["contact_phone"])
            data["body"] = mask_phones(data["body"])
        return data


class CommitmentSerializer(AudienceSerializer):
    """A promise made in a reply (承诺事项) and how far it is kept."""

    reply: serializers.PrimaryKeyRelatedField[Reply] = serializers.PrimaryKeyRelatedField(read_only=True)
    proposal = ProposalBriefSerializer(source="reply.assignment.proposal")
    department = DepartmentSerializer()

    class Meta:
        model = Commitment
        fields = [
            "id",
            "reply",
            "proposal",
            "description",
            "department",
            "due_on",
            "status",
            "fulfilled_on",
            "closed_reason",
            "report_due_on",
            "confirmed_at",
        ]
        restricted = {
            "fulfilled_on": SIGNED_IN,
            "closed_reason": SIGNED_IN,
            "report_due_on": INTERNAL,
            "confirmed_at": INTERNAL,
        }


# -- statistics (proposals.statistics) -------------------------------------------------


class StatisticsQuerySerializer(serializers.Serializer):
    """The scope of the figures: a session, or a year (the session wins), and for staff a
    department. Neither session nor year: every session."""

    year = serializers.IntegerField(required=False, min_value=1949, max_value=2999)
    session = serializers.PrimaryKeyRelatedField(queryset=Session.objects.all(), required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        required=False,
        help_text="Congress staff only; a department's users always get their own department's figures.",
    )


class GradesSerializer(serializers.Serializer):
    A = serializers.IntegerField(read_only=True)
    B = serializers.IntegerField(read_only=True)
    C = serializers.IntegerField(read_only=True)
    D = serializers.IntegerField(read_only=True)


class RatingsSerializer(serializers.Serializer):
    satisfied = serializers.IntegerField(read_only=True, help_text="满意")
    basically = serializers.IntegerField(read_only=True, help_text="基本满意")
    unsatisfied = serializers.IntegerField(read_only=True, help_text="不满意")


def _count(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True, help_text=help_text)


def _rate(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(
        read_only=True, allow_null=True, help_text=f"{help_text}; null when nothing to divide by."
    )


class FiguresSerializer(serializers.Serializer):
    """The figures of the statistics dashboard; each counts responsible (lead or separate)
    assignments unless it says otherwise (definitions: proposals/statistics.py)."""

    received = _count("Suggestions of the scope (for a department: its assignments).")
    assigned = _count("Responsible assignments in force.")
    replied = _count("Assignments whose current reply is sent (办复).")
    on_time = _count("Replied on or before the due date (按时办复).")
    late = _count("Replied after the due date.")
    open = _count("Not yet replied.")
    open_overdue = _count("Not yet replied, past the due date.")
    open_not_due = _count("Not yet replied, not yet due.")
    avg_days = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Mean days from assignment to reply; null when none replied.",
    )
    grades = GradesSerializer(read_only=True, help_text="Grades of the current replies.")
    ratings = RatingsSerializer(read_only=True, help_text="The final rating of each replied assignment.")
    rated = _count("Replied assignments with a rating.")
    no_feedback = _count("Replied assignments without a rating yet.")
    reply_rate = _rate("replied / assigned (办复率)")
    on_time_rate = _rate("on_time / assigned (按时办复率)")
    satisfied_rate = _rate("satisfied / rated (满意率)")
    basically_rate = _rate("basically / rated (基本满意率)")
    unsatisfied_rate = _rate("unsatisfied / rated")
    rehandled = _count("Assignments sent back for re-handling at least once.")
    commitments_open = _count("Commitments of sent replies, open or awaiting confirmation.")
    commitments_overdue = _count("Open commitments past their due date.")
    commitments_kept = _count("Commitments confirmed fulfilled.")
    key_assigned = _count("Assignments of key suggestions (重点建议).")
    key_replied = _count("Replied assignments of key suggestions.")
    key_open_overdue = _count("Open, overdue assignments of key suggestions.")
    contacted = _count(
        "Assignments with at least one contact with the deputies logged, any method, any stage (沟通)."
    )
    met = _count(
        "Assignments with a face-to-face contact with the deputies: a meeting, a site visit with them, "
        "a forum they attended (面商)."
    )
    contact_rate = _rate("contacted / assigned (沟通率)")
    meeting_rate = _rate("met / assigned (面商率)")


class DepartmentFiguresSerializer(FiguresSerializer):
    department = DepartmentSerializer(read_only=True)
    rank = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="By on-time rate, then reply rate, then fewer overdue; null with nothing assigned.",
    )


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(read_only=True, help_text="The first day of the month.")
    assigned = _count("Responsible assignments made that month.")
    replied = _count("Current replies sent that month.")
    on_time = _count("Of those, sent on or before the due date.")


class ScopeSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True, allow_null=True)
    session = SessionSerializer(read_only=True, allow_null=True)
    department = DepartmentSerializer(read_only=True, allow_null=True)


class StatisticsSerializer(serializers.Serializer):
    scope = ScopeSerializer(read_only=True)
    figures = FiguresSerializer(read_only=True)
    rank = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The scope's department's rank; null without a department."
    )
    ranked_count = _count("How many departments are ranked in the scope.")
    departments = DepartmentFiguresSerializer(
        many=True,
        read_only=True,
        help_text="Staff: every department with work in the scope, ranked; a department: its own row only.",
    )
    trend = MonthSerializer(many=True, read_only=True)
