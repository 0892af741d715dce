from typing import Any, Optional, Union

from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .experts import Experts
from .find_people import FindPeople
from .follow_person import FollowPerson
from .group_members import GroupMembers
from .home_feed import HomeFeed
from .me import Me
from .person_card import PersonCard
from .search_documents import SearchDocuments
from .unfollow_person import UnfollowPerson


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
        **kwargs: Any,
    ) -> FindPeople:
        query = gql("""
            query FindPeople($search: String, $first: Int = 20, $after: String, $includeLeavers: Boolean = false) {
              people(
                search: $search
                first: $first
                after: $after
                includeLeavers: $includeLeavers
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
        }
        response = await self.execute(
            query=query, operation_name="FindPeople", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return FindPeople.model_validate(data)

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
