from datetime import date
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import DigestFrequency, ReactionKind, ReportOutcome


class AddCommentInput(BaseModel):
    """A new comment or reply."""

    target_id: str = Field(alias="targetId")
    "Global id of the Person (their profile), Document or ActivityItem."
    body: str
    "Plain text; `@account` mentions, `#tags`."
    reply_to_id: Optional[str] = Field(alias="replyToId", default=None)
    "The comment this replies to (on the same target)."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)
    "Retry key: a retry with the same key writes nothing new."


class DecideReportInput(BaseModel):
    """A moderator's decision on a report."""

    report_id: str = Field(alias="reportId")
    "The report."
    outcome: ReportOutcome
    "Hide the item, or dismiss."
    note: Optional[str] = None
    "A note to the reporter(s)."


class DeleteCommentInput(BaseModel):
    """A comment to delete (softly: replies keep their place)."""

    comment_id: str = Field(alias="commentId")
    "The comment."


class EditCommentInput(BaseModel):
    """New text for a comment."""

    comment_id: str = Field(alias="commentId")
    "The comment."
    body: str
    "The new text."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)
    "Retry key: a retry with the same key writes nothing new."


class EndorseInput(BaseModel):
    """A skill of a colleague to endorse (or stop endorsing)."""

    person_id: str = Field(alias="personId")
    "The colleague."
    skill: str
    "One of their declared skills."


class ExportPersonDataInput(BaseModel):
    """Whose data to export: a Person id, or an account (name or UPN)."""

    person_id: Optional[str] = Field(alias="personId", default=None)
    "The person's global id; works for someone the directory no longer has."
    account: Optional[str] = None
    "The account name (`priya.shah`) or user principal name."


class FollowInput(BaseModel):
    """Follow (or stop following) a person, document, group or tag."""

    target_id: Optional[str] = Field(alias="targetId", default=None)
    "Global id of a Person, Document or Group."
    group_id: Optional[str] = Field(alias="groupId", default=None)
    "objectGUID of a directory group (`Group.guid`)."
    tag: Optional[str] = None
    "A tag, with or without '#'."
    notify: Optional[bool] = None
    "Also notify me about it (follow only). Omitted: a new follow notifies, an existing one keeps its choice."


class MarkReadInput(BaseModel):
    """Which notifications to mark read."""

    ids: Optional[list[str]] = None
    "These notifications."
    all: bool = False
    "Every unread notification."


class PeopleFilter(BaseModel):
    """Criteria a person must all meet (fields left out or null: no criterion). Text is compared as the directory and HR compare it: whole values (department, office, HR fields) without regard to case; `titleWords` each anywhere in the job title."""

    department: Optional[str] = None
    "The directory department, the whole name in any case, e.g. `Housing`."
    office: Optional[str] = None
    "The directory office, the whole name in any case."
    title_words: Optional[list[str]] = Field(alias="titleWords", default=None)
    'Words that must each appear in the directory job title (at most 8), e.g. `["officer"]`.'
    manager: Optional[str] = None
    "A Person id: only that person's direct reports (in the directory)."
    group: Optional[str] = None
    "A Group id or a group's name (any case): only its members, nested groups included where the directory expands them."
    working_pattern: Optional[str] = Field(alias="workingPattern", default=None)
    "The HR working pattern, e.g. `Part time` (as `Employment.workingPattern` shows it, any case). Visible to all staff."
    work_style: Optional[str] = Field(alias="workStyle", default=None)
    "The HR work style: `Office based`, `Hybrid`, `Home based` or `Mobile` (any case). Visible to all staff."
    work_location: Optional[str] = Field(alias="workLocation", default=None)
    "The HR work location, e.g. `County Hall, Northam` (any case). Visible to all staff."
    started_after: Optional[date] = Field(alias="startedAfter", default=None)
    "Only people whose HR start date is after this day (not on it). Visible to all staff."
    started_before: Optional[date] = Field(alias="startedBefore", default=None)
    "Only people whose HR start date is before this day (not on it). Visible to all staff."
    grade: Optional[str] = None
    "The HR pay grade, e.g. `SO1` (any case). For the HR role only; refused (`BAD_USER_INPUT`, reason `NOT_ALLOWED`) for anyone else."


class ReactInput(BaseModel):
    """A reaction to give or take back."""

    item_id: str = Field(alias="itemId")
    "Global id of a Comment, ActivityItem or Document."
    reaction: ReactionKind
    "Which reaction."


class ReportInput(BaseModel):
    """Report a comment or activity item."""

    item_id: str = Field(alias="itemId")
    "A Comment or ActivityItem id."
    reason: str
    "Why it should be looked at."
    client_mutation_id: Optional[str] = Field(alias="clientMutationId", default=None)
    "Retry key: a retry with the same key files nothing new."


class UpdateProfileInput(BaseModel):
    """Profile changes; a field left out stays as it is, '' clears it."""

    about: Optional[str] = None
    "About me."
    pronouns: Optional[str] = None
    "Pronouns."
    working_hours: Optional[str] = Field(alias="workingHours", default=None)
    "Working hours."
    working_pattern: Optional[str] = Field(alias="workingPattern", default=None)
    "Flexible working pattern in my own words ('' falls back to HR)."
    skills: Optional[list[str]] = None
    "All my skills."
    interests: Optional[list[str]] = None
    "All my interests."
    ask_me_about: Optional[list[str]] = Field(alias="askMeAbout", default=None)
    "Ask me about."
    digest_frequency: Optional[DigestFrequency] = Field(
        alias="digestFrequency", default=None
    )
    "How often to email me a digest of my unread notifications."
