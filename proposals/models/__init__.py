"""The models of suggestions: reference data, suggestions, assignments, events, imports.

Every workflow transition is a model method that checks its row of the model's
transition table (tracker.workflow), writes the new state with a guarded UPDATE and
records one ``ProposalEvent`` in the same transaction.
"""

from proposals.models.assignments import Assignment, AssignmentQuerySet, Contact
from proposals.models.events import ProposalEvent
from proposals.models.imports import SpreadsheetImport, spreadsheet_path
from proposals.models.proposals import (
    RELATED_COMMON_SHARE,
    RELATED_LIMIT,
    RELATED_MAX_TERMS,
    RELATED_MIN_COMMON,
    RELATED_MIN_SHARE,
    Proposal,
    ProposalQuerySet,
    Relation,
)
from proposals.models.reference import (
    DEFAULT_RULES,
    Category,
    Congress,
    ConsultationRule,
    DeadlineRule,
    Department,
    Deputy,
    Rule,
    Session,
    normalise_name,
    normalise_number,
)
from proposals.models.snapshots import StatisticsSnapshot
from proposals.models.subjects import SubjectTerm, SubjectTermQuerySet
from proposals.models.submissions import (
    SHENZHEN_EXCLUSIONS,
    CoSignInvitation,
    Exclusion,
    Submission,
    SubmissionEvent,
)
from tracker.workflow import InvalidTransition

__all__ = [
    "DEFAULT_RULES",
    "RELATED_COMMON_SHARE",
    "RELATED_LIMIT",
    "RELATED_MAX_TERMS",
    "RELATED_MIN_COMMON",
    "RELATED_MIN_SHARE",
    "SHENZHEN_EXCLUSIONS",
    "CoSignInvitation",
    "Exclusion",
    "Submission",
    "SubmissionEvent",
    "Assignment",
    "AssignmentQuerySet",
    "Category",
    "Congress",
    "ConsultationRule",
    "Contact",
    "DeadlineRule",
    "Department",
    "Deputy",
    "InvalidTransition",
    "Proposal",
    "Relation",
    "ProposalEvent",
    "ProposalQuerySet",
    "Rule",
    "Session",
    "SpreadsheetImport",
    "StatisticsSnapshot",
    "SubjectTerm",
    "SubjectTermQuerySet",
    "normalise_name",
    "normalise_number",
    "spreadsheet_path",
]
