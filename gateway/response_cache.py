"""The response cache: whole answers of registered query operations, safe per viewer.

Only an operation registered ahead (the trusted documents' registry: the typed client's,
the widgets', ``limits.trusted_sources``) whose every operation is a query is cached, and
only a complete answer: HTTP 200, no errors, nothing served stale, no restricted read
noted for the audit trail (such reads are recorded on every request, so they are never
replayed). Mutations, subscriptions and text sent ad hoc always run.

An entry's key is the operation's hash and name, its variables as sent (sorted JSON), the
change generation, and *who may see the same answer*:

- the viewer's **access class** — a digest of the viewer's directory groups that can change
  an answer: those the document access map names (every group, when documents carry their
  own readers), the HR, data-protection, moderator, fallback-moderator and analyst groups.
  Most staff are in the same class, so they share entries;
- the viewer's own GUID as well, when the operation selects a viewer-personal field
  (``PERSONAL_FIELDS``, any ``viewer…`` or ``my…`` field, restricted HR fields whose
  audience is the person and their managers): still cached, for that viewer alone.

Invalidation is by generation: a number bumped after every mutation (before its answer is
sent, so the writer sees its own write at once), after every committed write the social
store tells its change or follow listeners of (background jobs included), and whenever the
change feeds or a reset drop records from the record cache (``RecordCache.change_listeners``).
Entries of an older generation are never served; in memory they are dropped at once. With
the Redis cache backend the generation is a Redis counter that every instance and the
worker bump and read, so all instances agree; entries stay in each process's memory. A
short TTL (``cache.responses_ttl``) bounds what no event reports (records expiring upstream
changes with no change feed). Nothing is served stale.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, visit
from graphql.language import Visitor
from starlette.requests import Request
from starlette.responses import Response

from connectors.social.audit import AuditEntry
from schema.context import Context

from .metrics import observe_response_cache
from .trusted import TrustedDocuments

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from .graphql_http import RequestLog
    from .loaders import Upstreams
    from .settings import Settings

log = logging.getLogger("townhall.responses")

Run = Callable[[Request, Context, dict[str, Any], str, "RequestLog"], Awaitable[Response]]

# Fields whose value depends on who asks, beyond the viewer's groups: an operation that
# selects any of them is cached per viewer. Any field named ``viewer…`` or ``my…`` too.
PERSONAL_FIELDS = frozenset(
    {
        "me",
        "homeFeed",
        "notifications",
        "unreadNotificationCount",
        "notificationDigest",
        "moderationQueue",
        "auditLog",
        "digestFrequency",  # one's own profile only
        "revisions",  # the author and moderators only
        "reporter",  # moderators and the reporter only
        "downloadUrl",  # signed for the viewer
        "notNotified",
        # HR fields for the person, their line-management chain and HR (schema.access)
        "employeeNumber",
        "grade",
        "fte",
        "contractType",
        "externalId",
    }
)


def is_personal_field(name: str) -> bool:
    return (
        name in PERSONAL_FIELDS
        or (name.startswith("viewer") and len(name) > 6 and name[6].isupper())
        or (name.startswith("my") and len(name) > 2 and name[2].isupper())
    )


@dataclass(frozen=True, slots=True)
class Cacheable:
    """What the cache knows of a registered document: its hash and name, whether it is
    all queries (cached) or holds a mutation (bumps the generation), whether its answer
    is the viewer's own."""

    sha256: str
    name: str
    query: bool
    mutation: bool
    personal: bool


def classify(sha256: str, name: str, document: str) -> Cacheable:
    """A registered document judged by what it selects (fragments included)."""
    try:
        ast = parse(document)
    except GraphQLError:
        return Cacheable(sha256, name, query=False, mutation=False, personal=True)
    kinds = {d.operation.value for d in ast.definitions if isinstance(d, OperationDefinitionNode)}
    names: set[str] = set()

    class Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            names.add(node.name.value)

    visit(ast, Fields())
    return Cacheable(
        sha256,
        name,
        query=kinds == {"query"},
        mutation="mutation" in kinds,
        personal=any(is_personal_field(n) for n in names),
    )


class Generation:
    """The change generation: in this process, and in Redis shared by instances."""

    def __init__(self, redis: Redis | None = None, key: str = "townhall:responses:generation"):
        self.local = 0
        self.listeners: list[Callable[[], None]] = []  # told of every bump made here
        self._redis = redis
        self._key = key
        self._failing = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Generation:
        if settings.cache.backend != "redis":
            return cls()
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.cache.redis_url, socket_timeout=2)
        return cls(redis, f"{settings.cache.namespace}:responses:generation")

    async def current(self) -> tuple[int, int] | None:
        """This generation (``None``: Redis cannot be read, nothing may be cached)."""
        if self._redis is None:
            return self.local, 0
        try:
            shared = await self._redis.get(self._key)
        except Exception as exc:  # redis down: answers run, nothing is cached
            self._note_failure(exc)
            return None
        self._failing = False
        return self.local, int(shared or 0)

    async def bump(self) -> None:
        self.local += 1
        for listener in self.listeners:
            listener()
        if self._redis is not None:
            try:
                await self._redis.incr(self._key)
            except Exception as exc:
                self._note_failure(exc)

    def _note_failure(self, exc: Exception) -> None:
        if not self._failing:
            self._failing = True
            log.warning("the response cache's generation is unreachable (%s)", type(exc).__name__)

    def watch(self, upstreams: Upstreams) -> Callable[[], None]:
        """Bump on every change the store and the record cache report; returns the undo."""

        async def on_store(*_: Any) -> None:
            await self.bump()

        hooks: list[tuple[list[Any], Any]] = [
            (upstreams.social.change_listeners, on_store),
            (upstreams.social.follow_listeners, on_store),
            (upstreams.cache.change_listeners, self.bump),
        ]
        for listeners, hook in hooks:
            listeners.append(hook)

        def undo() -> None:
            for listeners, hook in hooks:
                with contextlib.suppress(ValueError):
                    listeners.remove(hook)

        return undo

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


class _AuditNotes(dict[tuple[str, str, str], AuditEntry]):
    """The request's audit notes, remembering that any was made (``write_audit`` empties
    them before the answer is judged)."""

    noted = False

    def setdefault(self, key: tuple[str, str, str], default: AuditEntry) -> AuditEntry:
        self.noted = True
        return super().setdefault(key, default)

    def __setitem__(self, key: tuple[str, str, str], value: AuditEntry) -> None:
        self.noted = True
        super().__setitem__(key, value)


class ResponseCache:
    """Answers of registered queries by (operation, variables, generation, who), in an LRU
    bounded by bytes and entries; ``answer`` is the endpoint's one hook."""

    def __init__(
        self,
        registry: TrustedDocuments,
        *,
        ttl: float,
        max_bytes: int,
        max_entries: int,
        by_hash: bool,
        role_groups: Iterable[str] = (),
        generation: Generation | None = None,
    ) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.generation = generation or Generation()
        self.generation.listeners.append(self._drop_local)
        self._by_hash = {
            op.sha256: classify(op.sha256, op.name, op.document) for op in registry.operations()
        }
        self._by_text = {op.document: self._by_hash[op.sha256] for op in registry.operations()}
        self._hash_lookups = by_hash  # hashes alone are honoured (trusted documents on)
        self._role_groups = frozenset(g.casefold() for g in role_groups)
        self._relevant: tuple[int, frozenset[str] | None] | None = None
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._classes: dict[str, tuple[Any, float, str]] = {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def from_settings(cls, settings: Settings, registry: TrustedDocuments) -> ResponseCache:
        c = settings.cache
        return cls(
            registry,
            ttl=c.responses_ttl,
            max_bytes=c.responses_max_bytes,
            max_entries=c.responses_max_entries,
            by_hash=settings.limits.trusted_documents != "off",
            role_groups=[
                *settings.social.fallback_moderator_groups,
                *settings.limits.analyst_groups,
            ],
            generation=Generation.from_settings(settings),
        )

    def __len__(self) -> int:
        return len(self._entries)

    # -- the hook ---------------------------------------------------------------------

    async def answer(
        self,
        request: Request,
        context: Context,
        params: dict[str, Any],
        media: str,
        entry: RequestLog,
        run: Run,
    ) -> Response:
        """The request's answer: from the cache, or run (and kept when it may be)."""
        op = self._operation(params)
        if op is None or not op.query:
            try:
                return await run(request, context, params, media, entry)
            finally:
                if op.mutation if op is not None else _may_write(request, params):
                    await self.generation.bump()  # before the answer goes out
        key = await self._key(op, context, params)
        if key is None:
            return await run(request, context, params, media, entry)
        found = self._entries.get(key)
        if found is not None:
            if found[0] > time.monotonic():
                self._entries.move_to_end(key)
                self.hits += 1
                observe_response_cache("hit")
                entry.operation = op.name
                entry.document_hash = op.sha256[:16]
                context.release()
                return Response(found[1], media_type=f"{media}; charset=utf-8")
            self._forget(key)
        self.misses += 1
        observe_response_cache("miss")
        notes = _AuditNotes()
        context.audit = notes
        response = await run(request, context, params, media, entry)
        if (
            response.status_code == 200
            and entry.errors == 0
            and entry.outcome == "ok"
            and not notes.noted
            and not context.stale.oldest
            and not context.stale.failing
        ):
            self._keep(key, bytes(response.body))
        return response

    # -- keys -------------------------------------------------------------------------

    def _operation(self, params: dict[str, Any]) -> Cacheable | None:
        query = params.get("query")
        if isinstance(query, str):
            return self._by_text.get(query)
        if not self._hash_lookups:
            return None
        extensions = params.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        sha = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(sha, str) or persisted.get("version") != 1:  # type: ignore[union-attr]
            return None
        return self._by_hash.get(sha.lower())

    async def _key(
        self, op: Cacheable, context: Context, params: dict[str, Any]
    ) -> tuple[Any, ...] | None:
        generation = await self.generation.current()
        if generation is None:
            return None
        who = await self._access_class(context, generation)
        if who is None:
            return None
        if op.personal:
            who = f"{who}/{context.viewer.guid}"
        variables = params.get("variables") or {}
        try:
            canonical = json.dumps(variables, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        name = params.get("operationName") or ""
        return (op.sha256, name, canonical, generation, who)

    async def _access_class(self, context: Context, generation: Any) -> str | None:
        """The digest of the viewer's groups that can change an answer (``None``: the
        directory cannot say now; the request runs uncached)."""
        viewer = context.viewer.person
        now = time.monotonic()
        memo = self._classes.get(viewer.guid)
        if memo is not None and memo[0] == generation and memo[1] > now:
            return memo[2]
        try:
            groups = await context.loaders.groups.load(viewer.dn)
        except Exception:  # the directory failing: the request runs and reports it
            return None
        relevant = self._relevant_groups(context)
        names = sorted(
            {g.name.casefold() for g in groups if relevant is None or g.name.casefold() in relevant}
        )
        digest = hashlib.blake2b("\n".join(names).encode(), digest_size=12).hexdigest()
        if len(self._classes) >= 10_000:
            self._classes.clear()
        self._classes[viewer.guid] = (generation, now + self.ttl, digest)
        return digest

    def _relevant_groups(self, context: Context) -> frozenset[str] | None:
        """The groups any access rule names (``None``: all of them count, as when
        documents carry their own readers)."""
        policy = context.policy
        if self._relevant is not None and self._relevant[0] == id(policy):
            return self._relevant[1]
        access = policy.document_access
        relevant: frozenset[str] | None = None
        if access.readers_from == "folders":
            rules: dict[str, frozenset[str]] = getattr(access, "_rules", {})
            relevant = frozenset().union(
                *rules.values(),
                policy.hr_groups,
                policy.data_protection_groups,
                policy.moderator_groups,
                self._role_groups,
            )
        self._relevant = (id(policy), relevant)
        return relevant

    # -- the LRU ----------------------------------------------------------------------

    def _keep(self, key: tuple[Any, ...], body: bytes) -> None:
        size = len(body) + 200  # the key and bookkeeping, roughly
        if self.ttl <= 0 or size > self.max_bytes // 4:
            return
        self._forget(key)
        self._entries[key] = (time.monotonic() + self.ttl, body)
        self._bytes += size
        while self._entries and (
            self._bytes > self.max_bytes or len(self._entries) > self.max_entries
        ):
            oldest = next(iter(self._entries))
            self._forget(oldest)

    def _forget(self, key: tuple[Any, ...]) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= len(found[1]) + 200

    def _drop_local(self) -> None:
        """Entries of older generations can never be served again: free them."""
        self._entries.clear()
        self._bytes = 0
        self._classes.clear()

    def clear(self) -> None:
        self._drop_local()


def _may_write(request: Request, params: dict[str, Any]) -> bool:
    """Whether a request the registry does not know might run a mutation (POST only):
    text naming one, or a hash alone (a persisted query remembered from earlier)."""
    if request.method != "POST":
        return False
    query = params.get("query")
    return not isinstance(query, str) or "mutation" in query


def report_changes(
    settings: Settings, upstreams: Upstreams, stack: contextlib.AsyncExitStack
) -> None:
    """In a process that serves no GraphQL (``townhall worker``): bump the shared
    generation on what its jobs change, so every instance's cached answers go (Redis
    only: a worker beside memory caches shares nothing with them)."""
    if settings.cache.responses and settings.cache.backend == "redis":
        generation = Generation.from_settings(settings)
        stack.push_async_callback(generation.close)
        stack.callback(generation.watch(upstreams))
