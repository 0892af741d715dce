from enum import Enum


class CommentEventKind(str, Enum):
    ADDED = "ADDED"
    EDITED = "EDITED"
    DELETED = "DELETED"


class CommentState(str, Enum):
    PUBLISHED = "PUBLISHED"
    DELETED = "DELETED"
    HIDDEN = "HIDDEN"


class DigestFrequency(str, Enum):
    NEVER = "NEVER"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class ExpertReasonKind(str, Enum):
    DECLARED_SKILL = "DECLARED_SKILL"
    ENDORSED = "ENDORSED"
    INTEREST = "INTEREST"
    JOB_TITLE = "JOB_TITLE"
    DEPARTMENT = "DEPARTMENT"
    GROUP = "GROUP"
    WROTE_DOCUMENTS = "WROTE_DOCUMENTS"
    CHANGED_DOCUMENTS = "CHANGED_DOCUMENTS"
    COMMENTED = "COMMENTED"


class FieldSource(str, Enum):
    DIRECTORY = "DIRECTORY"
    HR = "HR"
    PERSON = "PERSON"


class FollowKind(str, Enum):
    PERSON = "PERSON"
    DOCUMENT = "DOCUMENT"
    GROUP = "GROUP"
    TAG = "TAG"


class HRStatus(str, Enum):
    FOUND = "FOUND"
    NO_HR_RECORD = "NO_HR_RECORD"
    NO_JOIN_KEY = "NO_JOIN_KEY"


class HeadcountDimension(str, Enum):
    DEPARTMENT = "DEPARTMENT"
    WORKING_PATTERN = "WORKING_PATTERN"
    WORK_STYLE = "WORK_STYLE"
    WORK_LOCATION = "WORK_LOCATION"
    GRADE = "GRADE"


class MentionNotNotifiedReason(str, Enum):
    MAY_NOT_READ = "MAY_NOT_READ"
    LEFT = "LEFT"


class NotificationKind(str, Enum):
    MENTION = "MENTION"
    REPLY = "REPLY"
    NEW_FOLLOWER = "NEW_FOLLOWER"
    REACTION = "REACTION"
    ENDORSEMENT = "ENDORSEMENT"
    FOLLOWED_ACTIVITY = "FOLLOWED_ACTIVITY"
    DOCUMENT_CHANGED = "DOCUMENT_CHANGED"
    REPORT_FILED = "REPORT_FILED"
    REPORT_OUTCOME = "REPORT_OUTCOME"


class ReactionKind(str, Enum):
    LIKE = "LIKE"
    THANKS = "THANKS"
    INSIGHTFUL = "INSIGHTFUL"
    CELEBRATE = "CELEBRATE"
    SUPPORT = "SUPPORT"


class ReportOutcome(str, Enum):
    HIDE = "HIDE"
    DISMISS = "DISMISS"


class ReportStatus(str, Enum):
    OPEN = "OPEN"
    HIDDEN = "HIDDEN"
    DISMISSED = "DISMISSED"
