"""The models of replies: letters and opinions, commitments, feedback, the reminder
ledger and the letter archive. The reminder engine's orchestration (scan, delivery,
audience, health) is in responses.reminders."""

from responses.models.commitments import (
    Commitment,
    CommitmentComment,
    CommitmentQuerySet,
    Evidence,
    ProgressReport,
    evidence_path,
)
from responses.models.consultations import Consultation, ConsultationQuerySet
from responses.models.feedback import Feedback, close_round_if_settled
from responses.models.letters import (
    ArchivedLetter,
    ArchivedLetterQuerySet,
    LetterImport,
    LetterImportFile,
    letter_path,
)
from responses.models.notices import Notice, NoticeQuerySet
from responses.models.obligations import Obligation, ObligationQuerySet, obligation_dues
from responses.models.publications import Publication, PublicationQuerySet, publication_rates
from responses.models.reminders import Reminder, ReminderQuerySet, ScanRun, next_send_time
from responses.models.replies import CoOpinion, Reply, ReplyQuerySet
from responses.models.supervision import (
    ActivityFile,
    SupervisionAction,
    SupervisionActivity,
    SupervisionEvent,
    SupervisionMilestone,
    SupervisionReport,
    SupervisionTheme,
    ThemeSuggestion,
)

__all__ = [
    "ActivityFile",
    "SupervisionAction",
    "SupervisionActivity",
    "SupervisionEvent",
    "SupervisionMilestone",
    "SupervisionReport",
    "SupervisionTheme",
    "ThemeSuggestion",
    "ArchivedLetter",
    "ArchivedLetterQuerySet",
    "CoOpinion",
    "Commitment",
    "CommitmentComment",
    "CommitmentQuerySet",
    "Consultation",
    "ConsultationQuerySet",
    "Evidence",
    "Feedback",
    "LetterImport",
    "LetterImportFile",
    "Notice",
    "NoticeQuerySet",
    "Obligation",
    "ObligationQuerySet",
    "ProgressReport",
    "Publication",
    "PublicationQuerySet",
    "Reminder",
    "ReminderQuerySet",
    "Reply",
    "ReplyQuerySet",
    "ScanRun",
    "close_round_if_settled",
    "evidence_path",
    "letter_path",
    "next_send_time",
    "obligation_dues",
    "publication_rates",
]
