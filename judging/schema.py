"""All models, imported here so that Alembic and the app see the whole schema."""

from judging.accounts.models import LANGUAGES, ROLES, EditionPerson, Organization, User, UserRole
from judging.applications.models import (
    APPLICATION_STATUSES,
    LED_BY_WOMAN_ANSWERS,
    ORGANIZATION_TYPES,
    REGIONS,
    Answer,
    Application,
    Attachment,
    Submission,
)
from judging.audience.models import AudienceAward, AudienceCandidate, AudienceVote, AudienceVoter  # noqa: F401
from judging.core.audit_event import AuditEvent
from judging.core.models import Base, localized, utcnow
from judging.editions.models import (
    METHODS,
    PHASES,
    QUESTION_TYPES,
    Criterion,
    Edition,
    Prize,
    Question,
    Round,
)
from judging.jury.models import SCORECARD_STATUSES, Assignment, Conflict, CriterionScore, JuryMembership
from judging.live.models import LiveSession, ReceivedSubmission  # noqa: F401
from judging.mail.models import MailTemplate, OutgoingMail
from judging.results.models import OUTCOMES, Decision, PitchSlot, ResultSnapshot, RoundResult, RoundResultRow  # noqa: F401

__all__ = [
    "APPLICATION_STATUSES",
    "LANGUAGES",
    "METHODS",
    "ORGANIZATION_TYPES",
    "OUTCOMES",
    "PHASES",
    "QUESTION_TYPES",
    "REGIONS",
    "ROLES",
    "SCORECARD_STATUSES",
    "Answer",
    "Application",
    "Assignment",
    "Attachment",
    "LED_BY_WOMAN_ANSWERS",
    "Submission",
    "AuditEvent",
    "Base",
    "Conflict",
    "Criterion",
    "CriterionScore",
    "Decision",
    "Edition",
    "EditionPerson",
    "JuryMembership",
    "MailTemplate",
    "Organization",
    "OutgoingMail",
    "PitchSlot",
    "Prize",
    "Question",
    "ResultSnapshot",
    "Round",
    "User",
    "UserRole",
    "localized",
    "utcnow",
]
