"""Townhall's GraphQL schema: root types composed from one module per domain.

Resolvers receive a typed ``Context`` (``schema.context``) and read through its
per-request loaders; the HR privacy rules live in ``schema.access``, and documents and
the social store are read only through the access gate (``Context.scope``,
``schema.scope``), which trims everything to what the viewer may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from strawberry.schema.config import StrawberryConfig

from .activity import ActivityQueries
from .arguments import After, First, IncludeLeavers
from .audit import AuditQueries
from .comments import Comment
from .context import Info
from .data_protection import DataProtectionMutations
from .discussion import DiscussionMutations, DiscussionQueries
from .documents import Document, DocumentQueries, readable_document
from .errors import BadInput, MaskInternalErrors, upstream
from .execution import GuardedExecutor, PreparedDocument, TownhallSchema
from .experts import ExpertQueries
from .filters import PeopleFilter, filtered_people
from .follows import FollowQueries
from .groups import Group, GroupQueries, group_by_key
from .headcount import HeadcountQueries
from .hr_admin import HRAdminQueries
from .ids import parse_global_id
from .live import Subscription
from .moderation import ModerationMutations, ModerationQueries
from .notifications import NotificationMutations, NotificationQueries
from .pagination import Connection, check_first
from .partial import StaleDataReport
from .people import Employment, Node, Person, people_page
from .profiles import ProfileMutations
from .social import SocialMutations
from .tags import TagQueries

MAX_SEARCH = 200


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="The signed-in person.")
    def me(self, info: Info) -> Person:
        return Person.of(info.context.viewer.person)

    @strawberry.field(
        description="A person by global id, or by account name or UPN (give exactly one); "
        "null if there is no such person."
    )
    async def person(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The person's global id (`Person.id`)."),
        ] = None,
        account: Annotated[
            str | None,
            strawberry.argument(
                description="The person's account name (`priya.shah`) or user principal name "
                "(`priya.shah@northshire.gov.uk`, any case), at most 256 characters."
            ),
        ] = None,
    ) -> Person | None:
        if (id is None) == (account is None):
            raise BadInput("Give exactly one of `id` or `account`.", field="id")
        loaders = info.context.loaders
        if id is not None:
            _, guid = parse_global_id(id, "Person")
            found = await upstream(loaders.person.load(guid))
        else:
            name = (account or "").strip()
            if not name or len(name) > 256 or not name.isprintable():
                raise BadInput("`account` must be 1 to 256 printable characters.", field="account")
            by = loaders.person_by_upn if "@" in name else loaders.person_by_account
            found = await upstream(by.load(name))
        return Person.of(found) if found else None

    @strawberry.field(
        description="Staff whose name, job title, department or office contain every word of "
        "`search` (everyone when empty) and who meet every criterion of `filter`, sorted by "
        "name. Leavers are left out unless `includeLeavers` is true."
    )
    async def people(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words to look for, at most 200 characters; each must appear "
                "in the name, job title, department or office. Null or empty: everyone."
            ),
        ] = None,
        first: First = 20,
        after: After = None,
        include_leavers: IncludeLeavers = False,
        filter: Annotated[
            PeopleFilter | None,
            strawberry.argument(
                description="Criteria every person listed must meet besides `search`: "
                "directory fields (department, office, title words, manager, group) and "
                "HR fields (working pattern, work style, work location, start date; grade "
                "for the HR role only)."
            ),
        ] = None,
    ) -> Connection[Person]:
        check_first(first)
        text = " ".join((search or "").split())
        if len(text) > MAX_SEARCH:
            raise BadInput(f"`search` is longer than {MAX_SEARCH} characters.", field="search")
        # The text goes to the directory as typed; only its cache key is normalised.
        found = await filtered_people(info, text, filter, include_leavers=include_leavers)
        return await people_page(info, found.guids, first, after)

    @strawberry.field(description="Any object by its global id.")
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global id of a Person, Document or Group."),
        ],
    ) -> Node | None:
        type_name, key = parse_global_id(id, "Person", "Document", "Group")
        if type_name == "Person":
            found = await upstream(info.context.loaders.person.load(key))
            return Person.of(found) if found else None
        if type_name == "Group":
            group = await group_by_key(info, key)
            return Group.of(group) if group else None
        return await readable_document(info, key)


@strawberry.type(description="Read Townhall: people, documents and what connects them.")
class Query(
    PeopleQueries,
    GroupQueries,
    FollowQueries,
    DocumentQueries,
    ActivityQueries,
    DiscussionQueries,
    NotificationQueries,
    ModerationQueries,
    ExpertQueries,
    TagQueries,
    HRAdminQueries,
    AuditQueries,
    HeadcountQueries,
):
    pass


@strawberry.type(description="Change Townhall's own social data.")
class Mutation(
    SocialMutations,
    DiscussionMutations,
    ProfileMutations,
    NotificationMutations,
    ModerationMutations,
    DataProtectionMutations,
):
    pass


def build_schema(*, extra_extensions: Sequence[object] = ()) -> strawberry.Schema:
    """The schema with Townhall's execution guard and error masking.

    Parsing, validation and the operation limits (depth, aliases, cost, tokens)
    happen in the gateway before execution (``gateway.operations``), once per
    document, and ``PreparedDocument`` hands Strawberry the result.
    """
    extensions: list[Any] = [
        PreparedDocument,
        MaskInternalErrors,
        StaleDataReport,
        *extra_extensions,
    ]
    return TownhallSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Person, Group, Document, Employment, Comment],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=extensions,
        execution_context_class=GuardedExecutor,
    )


__all__ = ["build_schema"]
