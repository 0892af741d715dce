from datetime import date
from typing import Any, Optional, Union

from .add_comment import AddComment
from .async_base_client import AsyncBaseClient
from .audit_log import AuditLog
from .base_model import UNSET, UnsetType
from .comment_by_id import CommentById
from .comment_thread import CommentThread
from .decide_report import DecideReport
from .delete_comment import DeleteComment
from .department_staff import DepartmentStaff
from .edit_comment import EditComment
from .endorse_skill import EndorseSkill
from .enums import FollowKind, HeadcountDimension
from .experts import Experts
from .export_person_data import ExportPersonData
from .find_people import FindPeople
from .folder_documents import FolderDocuments
from .follow import Follow
from .follow_person import FollowPerson
from .group_members import GroupMembers
from .headcount import Headcount
from .home_feed import HomeFeed
from .hr_records_without_account import HRRecordsWithoutAccount
from .input_types import (
    AddCommentInput,
    DecideReportInput,
    DeleteCommentInput,
    EditCommentInput,
    EndorseInput,
    ExportPersonDataInput,
    FollowInput,
    MarkReadInput,
    PeopleFilter,
    ReactInput,
    ReportInput,
    UpdateProfileInput,
)
from .mark_notifications_read import MarkNotificationsRead
from .me import Me
from .moderation_queue import ModerationQueue
from .my_follows import MyFollows
from .my_reports import MyReports
from .node_by_id import NodeById
from .notification_digest import NotificationDigest
from .notifications import Notifications
from .person_card import PersonCard
from .profile_of import ProfileOf
from .react import React
from .report_item import ReportItem
from .search_documents import SearchDocuments
from .tag_feed import TagFeed
from .tag_info import TagInfo
from .unendorse_skill import UnendorseSkill
from .unfollow import Unfollow
from .unfollow_person import UnfollowPerson
from .unreact import Unreact
from .update_profile import UpdateProfile


def gql(q: str) -> str:
    return q


class TownhallClient(AsyncBaseClient):
    async def search_documents(
        self,
        query: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> SearchDocuments:
        _query = gql("""
            query SearchDocuments($query: String!, $first: Int = 20, $after: String) {
              searchDocuments(query: $query, first: $first, after: $after) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  path
                  title
                  modifiedAt
                  tags
                  author {
                    id
                    displayName
                  }
                  commentCount
                }
              }
            }
            """)
        variables: dict[str, object] = {"query": query, "first": first, "after": after}
        response = await self.execute(
            query=_query,
            operation_name="SearchDocuments",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return SearchDocuments.model_validate(data)

    async def home_feed(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> HomeFeed:
        query = gql("""
            query HomeFeed($first: Int = 20, $after: String) {
              homeFeed(first: $first, after: $after) {
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  verb
                  summary
                  createdAt
                  actorCount
                  document {
                    id
                    path
                    title
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="HomeFeed", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return HomeFeed.model_validate(data)

    async def me(self, **kwargs: Any) -> Me:
        query = gql("""
            query Me {
              me {
                id
                displayName
                title
                department
                manager {
                  id
                  displayName
                }
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Me", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Me.model_validate(data)

    async def person_card(self, id: str, **kwargs: Any) -> PersonCard:
        query = gql("""
            query PersonCard($id: ID!) {
              person(id: $id) {
                id
                displayName
                title
                department
                office
                manager {
                  id
                  displayName
                }
                directReports {
                  id
                  displayName
                  title
                }
                employment {
                  jobTitle
                  department
                  workLocation
                  workingPattern
                  workStyle
                  startDate
                  grade
                }
                groups {
                  id
                  name
                }
                followerCount
                viewerIsFollowing
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="PersonCard", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return PersonCard.model_validate(data)

    async def find_people(
        self,
        search: Union[Optional[str], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        include_leavers: Union[Optional[bool], UnsetType] = UNSET,
        filter_: Union[Optional[PeopleFilter], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> FindPeople:
        query = gql("""
            query FindPeople($search: String, $first: Int = 20, $after: String, $includeLeavers: Boolean = false, $filter: PeopleFilter = null) {
              people(
                search: $search
                first: $first
                after: $after
                includeLeavers: $includeLeavers
                filter: $filter
              ) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  displayName
                  title
                  department
                  office
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "search": search,
            "first": first,
            "after": after,
            "includeLeavers": include_leavers,
            "filter": filter_,
        }
        response = await self.execute(
            query=query, operation_name="FindPeople", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FindPeople.model_validate(data)

    async def headcount(
        self,
        by: list[HeadcountDimension],
        filter_: Union[Optional[PeopleFilter], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Headcount:
        query = gql("""
            query Headcount($by: [HeadcountDimension!]!, $filter: PeopleFilter = null) {
              headcount(by: $by, filter: $filter) {
                total
                totalSuppressed
                threshold
                cells {
                  values
                  count
                  suppressed
                  label
                }
              }
            }
            """)
        variables: dict[str, object] = {"by": by, "filter": filter_}
        response = await self.execute(
            query=query, operation_name="Headcount", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Headcount.model_validate(data)

    async def group_members(
        self,
        name: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> GroupMembers:
        query = gql("""
            query GroupMembers($name: String!, $first: Int = 100, $after: String) {
              group(name: $name) {
                id
                guid
                name
                description
                followerCount
                members(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  nodes {
                    id
                    displayName
                    title
                    department
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"name": name, "first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="GroupMembers", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GroupMembers.model_validate(data)

    async def experts(
        self, topic: str, first: Union[Optional[int], UnsetType] = UNSET, **kwargs: Any
    ) -> Experts:
        query = gql("""
            query Experts($topic: String!, $first: Int = 10) {
              experts(topic: $topic, first: $first) {
                score
                person {
                  id
                  displayName
                  title
                  department
                }
                reasons {
                  kind
                  detail
                  weight
                  relatedTerm
                }
              }
            }
            """)
        variables: dict[str, object] = {"topic": topic, "first": first}
        response = await self.execute(
            query=query, operation_name="Experts", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Experts.model_validate(data)

    async def follow_person(self, id: str, **kwargs: Any) -> FollowPerson:
        query = gql("""
            mutation FollowPerson($id: ID!) {
              followPerson(personId: $id) {
                __typename
                ... on FollowSuccess {
                  changed
                  person {
                    id
                    followerCount
                    viewerIsFollowing
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="FollowPerson", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FollowPerson.model_validate(data)

    async def unfollow_person(self, id: str, **kwargs: Any) -> UnfollowPerson:
        query = gql("""
            mutation UnfollowPerson($id: ID!) {
              unfollowPerson(personId: $id) {
                __typename
                ... on FollowSuccess {
                  changed
                  person {
                    id
                    followerCount
                    viewerIsFollowing
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="UnfollowPerson", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UnfollowPerson.model_validate(data)

    async def department_staff(
        self,
        group: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> DepartmentStaff:
        query = gql("""
            query DepartmentStaff($group: String!, $first: Int = 50, $after: String) {
              group(name: $group) {
                name
                members(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  nodes {
                    id
                    displayName
                    title
                    department
                    mail
                    employment {
                      workingPattern
                      workStyle
                      workLocation
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"group": group, "first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="DepartmentStaff", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DepartmentStaff.model_validate(data)

    async def node_by_id(self, id: str, **kwargs: Any) -> NodeById:
        query = gql("""
            query NodeById($id: ID!) {
              node(id: $id) {
                __typename
                id
                ... on Person {
                  displayName
                }
                ... on Document {
                  title
                  path
                }
                ... on Group {
                  name
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="NodeById", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return NodeById.model_validate(data)

    async def profile_of(self, id: str, **kwargs: Any) -> ProfileOf:
        query = gql("""
            query ProfileOf($id: ID!) {
              person(id: $id) {
                id
                displayName
                profile {
                  about {
                    value
                    source
                    changedAt
                  }
                  pronouns {
                    value
                    source
                  }
                  workingHours {
                    value
                    source
                  }
                  workingPattern {
                    value
                    source
                  }
                  jobTitle {
                    value
                    source
                  }
                  skills {
                    name
                    endorsementCount
                    viewerEndorsed
                  }
                  interests
                  askMeAbout
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="ProfileOf", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProfileOf.model_validate(data)

    async def my_follows(
        self,
        kind: FollowKind,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> MyFollows:
        query = gql("""
            query MyFollows($kind: FollowKind!, $first: Int = 20, $after: String) {
              myFollows(kind: $kind, first: $first, after: $after) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  kind
                  key
                  notify
                  followedAt
                  person {
                    id
                    displayName
                  }
                  document {
                    id
                    title
                  }
                  group {
                    id
                    name
                  }
                  tag {
                    name
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"kind": kind, "first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="MyFollows", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return MyFollows.model_validate(data)

    async def tag_info(self, name: str, **kwargs: Any) -> TagInfo:
        query = gql("""
            query TagInfo($name: String!) {
              tag(name: $name) {
                name
                followerCount
                viewerIsFollowing
                viewerIsNotified
              }
            }
            """)
        variables: dict[str, object] = {"name": name}
        response = await self.execute(
            query=query, operation_name="TagInfo", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return TagInfo.model_validate(data)

    async def tag_feed(
        self,
        tag: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> TagFeed:
        query = gql("""
            query TagFeed($tag: String!, $first: Int = 20, $after: String) {
              tagFeed(tag: $tag, first: $first, after: $after) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  verb
                  summary
                  createdAt
                }
              }
            }
            """)
        variables: dict[str, object] = {"tag": tag, "first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="TagFeed", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return TagFeed.model_validate(data)

    async def comment_thread(
        self,
        id: str,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> CommentThread:
        query = gql("""
            query CommentThread($id: ID!, $first: Int = 20, $after: String) {
              document(id: $id) {
                id
                title
                commentCount
                commentThread(first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  nodes {
                    id
                    state
                    bodyText
                    createdAt
                    editedAt
                    viewerCanEdit
                    author {
                      id
                      displayName
                    }
                    reactions {
                      kind
                      count
                      viewerReacted
                    }
                    replies {
                      id
                      state
                      bodyText
                      author {
                        id
                        displayName
                      }
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id, "first": first, "after": after}
        response = await self.execute(
            query=query, operation_name="CommentThread", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CommentThread.model_validate(data)

    async def comment_by_id(self, id: str, **kwargs: Any) -> CommentById:
        query = gql("""
            query CommentById($id: ID!) {
              comment(id: $id) {
                id
                state
                bodyText
                createdAt
                tags
                author {
                  id
                  displayName
                }
                mentions {
                  id
                  displayName
                }
              }
            }
            """)
        variables: dict[str, object] = {"id": id}
        response = await self.execute(
            query=query, operation_name="CommentById", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CommentById.model_validate(data)

    async def folder_documents(
        self,
        folder: Union[Optional[str], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> FolderDocuments:
        query = gql("""
            query FolderDocuments($folder: String, $first: Int = 20, $after: String) {
              documents(folder: $folder, first: $first, after: $after) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  path
                  title
                  modifiedAt
                  tags
                  author {
                    id
                    displayName
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "folder": folder,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=query, operation_name="FolderDocuments", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FolderDocuments.model_validate(data)

    async def notifications(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        unread_only: Union[Optional[bool], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Notifications:
        query = gql("""
            query Notifications($first: Int = 20, $after: String, $unreadOnly: Boolean = false) {
              unreadNotificationCount
              notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  id
                  kind
                  createdAt
                  read
                  actor {
                    id
                    displayName
                  }
                  activity {
                    id
                    summary
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "first": first,
            "after": after,
            "unreadOnly": unread_only,
        }
        response = await self.execute(
            query=query, operation_name="Notifications", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Notifications.model_validate(data)

    async def notification_digest(
        self, day: Union[Optional[date], UnsetType] = UNSET, **kwargs: Any
    ) -> NotificationDigest:
        query = gql("""
            query NotificationDigest($day: Date) {
              notificationDigest(day: $day) {
                day
                total
                unread
                byKind {
                  kind
                  count
                }
              }
            }
            """)
        variables: dict[str, object] = {"day": day}
        response = await self.execute(
            query=query,
            operation_name="NotificationDigest",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return NotificationDigest.model_validate(data)

    async def moderation_queue(
        self, first: Union[Optional[int], UnsetType] = UNSET, **kwargs: Any
    ) -> ModerationQueue:
        query = gql("""
            query ModerationQueue($first: Int = 50) {
              moderationQueue(first: $first) {
                id
                reason
                status
                createdAt
                itemKind
                itemId
                comment {
                  id
                  bodyText
                }
                reporter {
                  id
                  displayName
                }
              }
            }
            """)
        variables: dict[str, object] = {"first": first}
        response = await self.execute(
            query=query, operation_name="ModerationQueue", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ModerationQueue.model_validate(data)

    async def my_reports(
        self, first: Union[Optional[int], UnsetType] = UNSET, **kwargs: Any
    ) -> MyReports:
        query = gql("""
            query MyReports($first: Int = 20) {
              myReports(first: $first) {
                id
                reason
                status
                createdAt
                decidedAt
                note
                itemKind
                itemId
              }
            }
            """)
        variables: dict[str, object] = {"first": first}
        response = await self.execute(
            query=query, operation_name="MyReports", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return MyReports.model_validate(data)

    async def hr_records_without_account(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> HRRecordsWithoutAccount:
        query = gql("""
            query HRRecordsWithoutAccount($first: Int = 50, $after: String) {
              hrRecordsWithoutAccount(first: $first, after: $after) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  employeeNumber
                  userName
                  jobTitle
                  department
                  startDate
                  active
                }
              }
            }
            """)
        variables: dict[str, object] = {"first": first, "after": after}
        response = await self.execute(
            query=query,
            operation_name="HRRecordsWithoutAccount",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return HRRecordsWithoutAccount.model_validate(data)

    async def audit_log(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        subject: Union[Optional[str], UnsetType] = UNSET,
        viewer: Union[Optional[str], UnsetType] = UNSET,
        newest_first: Union[Optional[bool], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AuditLog:
        query = gql("""
            query AuditLog($first: Int = 20, $after: String, $subject: String, $viewer: String, $newestFirst: Boolean = true) {
              auditLog(
                first: $first
                after: $after
                subject: $subject
                viewer: $viewer
                newestFirst: $newestFirst
              ) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                nodes {
                  at
                  viewerId
                  subjectId
                  record
                  role
                  operation
                  requestId
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "first": first,
            "after": after,
            "subject": subject,
            "viewer": viewer,
            "newestFirst": newest_first,
        }
        response = await self.execute(
            query=query, operation_name="AuditLog", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AuditLog.model_validate(data)

    async def follow(self, input: FollowInput, **kwargs: Any) -> Follow:
        query = gql("""
            mutation Follow($input: FollowInput!) {
              follow(input: $input) {
                __typename
                ... on FollowTargetSuccess {
                  kind
                  key
                  following
                  notify
                  changed
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="Follow", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Follow.model_validate(data)

    async def unfollow(self, input: FollowInput, **kwargs: Any) -> Unfollow:
        query = gql("""
            mutation Unfollow($input: FollowInput!) {
              unfollow(input: $input) {
                __typename
                ... on FollowTargetSuccess {
                  kind
                  key
                  following
                  notify
                  changed
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="Unfollow", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Unfollow.model_validate(data)

    async def add_comment(self, input: AddCommentInput, **kwargs: Any) -> AddComment:
        query = gql("""
            mutation AddComment($input: AddCommentInput!) {
              addComment(input: $input) {
                __typename
                ... on CommentSuccess {
                  replayed
                  comment {
                    id
                    state
                    bodyText
                    tags
                    mentions {
                      id
                      displayName
                    }
                  }
                  notNotified {
                    person {
                      id
                      displayName
                    }
                    reason
                    message
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
                ... on RateLimitedError {
                  message
                  retryAfterSeconds
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="AddComment", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AddComment.model_validate(data)

    async def edit_comment(self, input: EditCommentInput, **kwargs: Any) -> EditComment:
        query = gql("""
            mutation EditComment($input: EditCommentInput!) {
              editComment(input: $input) {
                __typename
                ... on CommentSuccess {
                  replayed
                  comment {
                    id
                    state
                    bodyText
                    editedAt
                  }
                  notNotified {
                    person {
                      id
                      displayName
                    }
                    reason
                    message
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
                ... on RateLimitedError {
                  message
                  retryAfterSeconds
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="EditComment", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return EditComment.model_validate(data)

    async def delete_comment(
        self, input: DeleteCommentInput, **kwargs: Any
    ) -> DeleteComment:
        query = gql("""
            mutation DeleteComment($input: DeleteCommentInput!) {
              deleteComment(input: $input) {
                __typename
                ... on CommentSuccess {
                  replayed
                  comment {
                    id
                    state
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="DeleteComment", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DeleteComment.model_validate(data)

    async def react(self, input: ReactInput, **kwargs: Any) -> React:
        query = gql("""
            mutation React($input: ReactInput!) {
              react(input: $input) {
                __typename
                ... on ReactionSuccess {
                  changed
                  reactions {
                    kind
                    count
                    viewerReacted
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="React", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return React.model_validate(data)

    async def unreact(self, input: ReactInput, **kwargs: Any) -> Unreact:
        query = gql("""
            mutation Unreact($input: ReactInput!) {
              unreact(input: $input) {
                __typename
                ... on ReactionSuccess {
                  changed
                  reactions {
                    kind
                    count
                    viewerReacted
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="Unreact", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Unreact.model_validate(data)

    async def update_profile(
        self, input: UpdateProfileInput, **kwargs: Any
    ) -> UpdateProfile:
        query = gql("""
            mutation UpdateProfile($input: UpdateProfileInput!) {
              updateProfile(input: $input) {
                __typename
                ... on ProfileSuccess {
                  person {
                    id
                    profile {
                      about {
                        value
                      }
                      skills {
                        name
                      }
                      interests
                      askMeAbout
                    }
                  }
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="UpdateProfile", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UpdateProfile.model_validate(data)

    async def endorse_skill(self, input: EndorseInput, **kwargs: Any) -> EndorseSkill:
        query = gql("""
            mutation EndorseSkill($input: EndorseInput!) {
              endorseSkill(input: $input) {
                __typename
                ... on EndorseSuccess {
                  changed
                  person {
                    id
                    profile {
                      skills {
                        name
                        endorsementCount
                        viewerEndorsed
                      }
                    }
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="EndorseSkill", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return EndorseSkill.model_validate(data)

    async def unendorse_skill(
        self, input: EndorseInput, **kwargs: Any
    ) -> UnendorseSkill:
        query = gql("""
            mutation UnendorseSkill($input: EndorseInput!) {
              unendorseSkill(input: $input) {
                __typename
                ... on EndorseSuccess {
                  changed
                  person {
                    id
                    profile {
                      skills {
                        name
                        endorsementCount
                        viewerEndorsed
                      }
                    }
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="UnendorseSkill", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return UnendorseSkill.model_validate(data)

    async def mark_notifications_read(
        self, input: MarkReadInput, **kwargs: Any
    ) -> MarkNotificationsRead:
        query = gql("""
            mutation MarkNotificationsRead($input: MarkReadInput!) {
              markNotificationsRead(input: $input) {
                __typename
                ... on MarkReadSuccess {
                  marked
                  unreadCount
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="MarkNotificationsRead",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return MarkNotificationsRead.model_validate(data)

    async def report_item(self, input: ReportInput, **kwargs: Any) -> ReportItem:
        query = gql("""
            mutation ReportItem($input: ReportInput!) {
              reportItem(input: $input) {
                __typename
                ... on ReportSuccess {
                  replayed
                  report {
                    id
                    status
                    reason
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ReportItem", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ReportItem.model_validate(data)

    async def decide_report(
        self, input: DecideReportInput, **kwargs: Any
    ) -> DecideReport:
        query = gql("""
            mutation DecideReport($input: DecideReportInput!) {
              decideReport(input: $input) {
                __typename
                ... on DecideSuccess {
                  settled
                  report {
                    id
                    status
                    note
                  }
                }
                ... on NotFoundError {
                  message
                }
                ... on NotAllowedError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="DecideReport", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return DecideReport.model_validate(data)

    async def export_person_data(
        self, input: ExportPersonDataInput, **kwargs: Any
    ) -> ExportPersonData:
        query = gql("""
            mutation ExportPersonData($input: ExportPersonDataInput!) {
              exportPersonData(input: $input) {
                __typename
                ... on ExportPersonDataSuccess {
                  downloadUrl
                  expiresAt
                  personId
                  sections {
                    name
                    rows
                  }
                }
                ... on NotAllowedError {
                  message
                }
                ... on NotFoundError {
                  message
                }
                ... on InvalidInputError {
                  message
                  field
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="ExportPersonData",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ExportPersonData.model_validate(data)
