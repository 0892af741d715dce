"""From a request to a signed-in ``Context``: loaders, the viewer, the viewer's roles.

``SignIn`` builds the per-request loaders, asks the ``Authenticator`` who is
calling (its refusals become 401/403 answers), starts reading the viewer's groups
at once (most requests check access through them), builds the viewer's access gate
(``gateway.scope``: the only way schema code reads documents and the social store),
and answers the questions the request path asks of the viewer: may they discover
the schema (the analysts' groups), and under which key their budget is counted.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request

from connectors.directory import DirectoryPerson
from schema.audit import write_audit
from schema.context import Context, LiveEvents, Policy, StaleSources, Viewer

from .auth import Authenticator, AuthError
from .budgets import viewer_digest
from .graphql_http import Refusal, RequestLog
from .loaders import RequestLoaders, Upstreams, build_loaders
from .scope import GatePolicy, build_scope
from .settings import Settings

log = logging.getLogger("townhall.signin")


class SignIn:
    """Signs requests in; ``upstreams`` is set once the lifespan opened them."""

    def __init__(self, settings: Settings, authenticator: Authenticator, policy: Policy) -> None:
        self._settings = settings
        self._auth = authenticator
        self._policy = policy
        self._gate_policy = GatePolicy.of(policy, settings.social.fallback_moderator_groups)
        self._analysts = frozenset(g.casefold() for g in settings.limits.analyst_groups)
        self.upstreams: Upstreams | None = None
        self.live: LiveEvents | None = None  # subscriptions' events, once the lifespan started

    async def __call__(self, request: Request, entry: RequestLog) -> Context:
        upstreams = self.upstreams
        if upstreams is None:
            raise Refusal(503, "STARTING", "Townhall is starting; try again in a moment.")
        holder: dict[str, str] = {}
        stale = StaleSources()
        loaders = build_loaders(upstreams, self._settings, lambda: holder.get("guid", ""), stale)
        try:
            person = await self._auth.viewer(request, loaders.directory)
        except AuthError as exc:
            code = "UNAUTHENTICATED" if exc.status == 401 else "FORBIDDEN"
            raise Refusal(
                exc.status,
                code,
                str(exc),
                headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
            ) from None
        holder["guid"] = person.guid
        entry.viewer = viewer_digest(person.guid)
        # Start reading the viewer's groups beside the query's first level, instead of
        # after whatever the access check guards has been fetched.
        asyncio.ensure_future(loaders.directory.groups.load(person.dn)).add_done_callback(_retrieve)
        return Context(
            viewer=Viewer(person=person),
            loaders=loaders.directory,
            scope=build_scope(person, loaders, upstreams.social, self._gate_policy),
            audit_log=upstreams.social.audit,
            directory=upstreams.directory,
            policy=self._policy,
            request_id=entry.request_id,
            stale=stale,
            request=request,
        )

    def context_for(self, person: DirectoryPerson, request_id: str) -> Context:
        """The context of a subscription's operation for ``person``, signed in by the
        transport (as ``__call__`` does from a request): ``live`` set, and ``renew``
        giving it fresh loaders and a fresh access gate before each event is read."""
        upstreams = self.upstreams
        if upstreams is None:
            raise Refusal(503, "STARTING", "Townhall is starting; try again in a moment.")

        def fresh() -> tuple[StaleSources, RequestLoaders]:
            stale = StaleSources()
            return stale, build_loaders(upstreams, self._settings, lambda: person.guid, stale)

        stale, loaders = fresh()
        context = Context(
            viewer=Viewer(person=person),
            loaders=loaders.directory,
            scope=build_scope(person, loaders, upstreams.social, self._gate_policy),
            audit_log=upstreams.social.audit,
            directory=upstreams.directory,
            policy=self._policy,
            request_id=request_id,
            stale=stale,
            live=self.live,
        )

        async def renew() -> None:
            try:  # what the last event read and the transport did not record yet
                await write_audit(context)
            except Exception as exc:
                log.error("subscription %s: the audit trail failed (%s)", request_id, exc)
            context.stale, loaders = fresh()
            context.loaders = loaders.directory
            context.scope = build_scope(person, loaders, upstreams.social, self._gate_policy)
            if context.guard is not None:  # each event's answer has the operation's limits
                context.guard.objects = 0
                context.guard.tripped = False

        context.renew = renew
        return context

    def viewer_key(self, context: Context) -> str:
        """The viewer's budget key and log name: a digest, never the GUID itself."""
        return viewer_digest(context.viewer.guid)

    async def may_discover(self, context: Context) -> bool:
        """Introspection, suggestions and documents of one's own (in registered-only mode):
        everyone outside production, else members of the analysts' groups."""
        if self._settings.discovery_for_all:
            return True
        if not self._analysts:
            return False
        try:
            groups = await context.loaders.groups.load(context.viewer.person.dn)
        except Exception as exc:  # the directory failing: no discovery, not an error
            log.warning("analyst check failed (%s)", type(exc).__name__)
            return False
        return any(g.name.casefold() in self._analysts for g in groups)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a prefetch's failure seen: whoever needs the value awaits it and gets it."""
    if not future.cancelled():
        future.exception()
