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
  (``gateway.response_operations``): still cached, for that viewer alone.

Invalidation is by the change generation (``gateway.response_generation``): bumped after
every mutation before its answer is sent (the writer sees its own write at once), after
every committed store write its listeners hear of, and whenever the change feeds drop
records; entries of an older generation are never served (in memory they are dropped at
once). A short TTL (``cache.responses_ttl``) bounds what no event reports. Nothing is
served stale. Entries live in each process's memory, an LRU bounded by bytes and count.

A hit costs no sign-in when the very same credentials (the headers sign-in reads) signed
in successfully in this generation within the TTL, never past a token's ``exp``: the
viewer's identity and access class are remembered for them. Anything else signs in first.
Hits spend no budget (``limits.budget_per_minute``): they cost the upstreams nothing.
Such a hit is answered in front of the app by ``gateway.response_fastpath`` with the
steps below (``current_generation``, ``remembered``, ``cached``, ``count_hit``); the
endpoint's hook ``answer`` takes the same steps for what reaches it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from connectors.social.audit import AuditEntry
from schema.context import Context

from .metrics import observe_response_cache
from .response_generation import Generation
from .response_operations import Cacheable, classify
from .trusted import TrustedDocuments

if TYPE_CHECKING:
    from .graphql_http import RequestLog
    from .settings import Settings

Run = Callable[[Request, Context, dict[str, Any], str, "RequestLog"], Awaitable[Response]]
SignInStep = Callable[[Request, "RequestLog"], Awaitable[Context]]
ParamsStep = Callable[[Request], Awaitable[dict[str, Any]]]


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


@dataclass(frozen=True, slots=True)
class _SignedIn:
    """What a successful sign-in with some credentials told: who, in which access class,
    under which generation, until when (Unix time: never past a token's ``exp``)."""

    generation: tuple[int, int]
    expires_at: float
    guid: str
    log_name: str
    access_class: str


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
        token_cookie: str = "",
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
        self._token_cookie = token_cookie
        self._relevant: tuple[int, frozenset[str] | None] | None = None
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._signed: dict[tuple[Any, ...], _SignedIn] = {}
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
            token_cookie=settings.auth.token_cookie,
            generation=Generation.from_settings(settings),
        )

    def __len__(self) -> int:
        return len(self._entries)

    # -- the hook ---------------------------------------------------------------------

    async def answer(
        self,
        request: Request,
        media: str,
        entry: RequestLog,
        sign_in: SignInStep,
        read_params: ParamsStep,
        run: Run,
    ) -> Response:
        """The request's answer, signed in and read as the endpoint does (``sign_in``,
        ``read_params``), then from the cache, or ``run`` (and kept when it may be).

        Credentials that signed in successfully in this generation, not long ago (never
        past a token's expiry), are trusted again for a cached answer without signing in
        anew; anything else signs in first, as every request does."""
        generation = await self.current_generation()
        credentials = _credentials(request) if generation is not None else None
        known = self.remembered(credentials, generation) if credentials is not None else None
        if known is not None and generation is not None:
            params = await read_params(request)
            found = self.cached(params, generation, known)
            if found is not None:
                entry.viewer = known.log_name
                return self._hit(found[0], found[1], media, entry)
            context = await sign_in(request, entry)
        else:
            context = await sign_in(request, entry)
            params = await read_params(request)
        op = self._operation(params)
        if op is None or not op.query:
            try:
                return await run(request, context, params, media, entry)
            finally:
                if op.mutation if op is not None else _may_write(request, params):
                    await self.generation.bump()  # before the answer goes out
        access_class = await self._access_class(context) if generation is not None else None
        if access_class is None or generation is None:
            return await run(request, context, params, media, entry)
        if credentials is not None:
            self._remember(request, credentials, generation, context, entry, access_class)
        key = _key(op, params, generation, access_class, context.viewer.guid)
        if key is None:
            return await run(request, context, params, media, entry)
        if (body := self._fresh(key)) is not None:
            context.release()
            return self._hit(op, body, media, entry)
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

    def _hit(self, op: Cacheable, body: bytes, media: str, entry: RequestLog) -> Response:
        self.count_hit(op, entry)
        return Response(body, media_type=f"{media}; charset=utf-8")

    # -- the hit path's steps (also ``gateway.response_fastpath``'s) --------------------

    async def current_generation(self) -> tuple[int, int] | None:
        """The change generation now (``None``: it cannot be read, nothing is cached)."""
        gen = self.generation
        return await gen.current() if gen.shared else (gen.local, 0)

    def may_remember(self, credentials: tuple[Any, ...]) -> bool:
        """Whether a sign-in with these very credentials is held at all (not yet checked
        against the generation and the clock: :meth:`remembered`)."""
        return credentials in self._signed

    def remembered(
        self, credentials: tuple[Any, ...], generation: tuple[int, int] | None
    ) -> _SignedIn | None:
        """What a sign-in with these very credentials told, when it may be trusted again:
        in this generation, within the TTL, before a token's expiry (else forgotten)."""
        known = self._signed.get(credentials)
        if known is not None and (
            known.generation != generation or known.expires_at <= time.time()
        ):
            del self._signed[credentials]
            return None
        return known

    def cached(
        self, params: dict[str, Any], generation: tuple[int, int], known: _SignedIn
    ) -> tuple[Cacheable, bytes] | None:
        """The registered query ``params`` ask for and its fresh answer for the viewer
        ``known`` stands for (``None``: no such answer)."""
        op = self._operation(params)
        if op is None or not op.query:
            return None
        key = _key(op, params, generation, known.access_class, known.guid)
        if key is None or (body := self._fresh(key)) is None:
            return None
        return op, body

    def count_hit(self, op: Cacheable, entry: RequestLog) -> None:
        """A hit, in the counters and in the request's log line."""
        self.hits += 1
        observe_response_cache("hit")
        entry.operation = op.name
        entry.document_hash = op.sha256[:16]

    # -- who is asking ----------------------------------------------------------------

    def _remember(
        self,
        request: Request,
        credentials: tuple[Any, ...],
        generation: tuple[int, int],
        context: Context,
        entry: RequestLog,
        access_class: str,
    ) -> None:
        """Trust these credentials again for cached answers until the TTL ends, the
        generation changes, or the token they carry expires (a token whose expiry cannot
        be read is not remembered)."""
        expires_at = time.time() + self.ttl
        tokens = [
            value.partition(" ")[2].strip()
            for name, value in request.headers.items()
            if name == "authorization"
        ]
        if self._token_cookie and (cookie := request.cookies.get(self._token_cookie)):
            tokens.append(cookie)
        for token in tokens:
            exp = _token_expiry(token)
            if exp is None:
                return
            expires_at = min(expires_at, exp)
        if len(self._signed) >= 10_000:
            self._signed.clear()
        self._signed[credentials] = _SignedIn(
            generation, expires_at, context.viewer.guid, entry.viewer, access_class
        )

    async def _access_class(self, context: Context) -> str | None:
        """The digest of the viewer's groups that can change an answer (``None``: the
        directory cannot say now; the request runs uncached)."""
        try:
            groups = await context.loaders.groups.load(context.viewer.person.dn)
        except Exception:  # the directory failing: the request runs and reports it
            return None
        relevant = self._relevant_groups(context)
        names = sorted(
            {g.name.casefold() for g in groups if relevant is None or g.name.casefold() in relevant}
        )
        return hashlib.blake2b("\n".join(names).encode(), digest_size=12).hexdigest()

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

    # -- the LRU ----------------------------------------------------------------------

    def _fresh(self, key: tuple[Any, ...]) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= time.monotonic():
            self._forget(key)
            return None
        self._entries.move_to_end(key)
        return found[1]

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
        self._signed.clear()

    def clear(self) -> None:
        self._drop_local()


def _key(
    op: Cacheable, params: dict[str, Any], generation: Any, access_class: str, guid: str
) -> tuple[Any, ...] | None:
    """An entry's key: the viewer's GUID joins the access class when the operation is
    the viewer's own."""
    who = f"{access_class}/{guid}" if op.personal else access_class
    variables = _canonical(params.get("variables") or {})
    if variables is None:
        return None
    return (op.sha256, params.get("operationName") or "", variables, generation, who)


_SCALARS = (str, int, float, bool, type(None))


def _canonical(variables: dict[str, Any]) -> Any:
    """Variables as a hashable value equal for equal JSON: flat ones as sorted (name, type,
    value) triples (``1``, ``1.0`` and ``true`` differ by type), nested ones as sorted JSON."""
    if all(type(v) in _SCALARS for v in variables.values()):
        return tuple(sorted((k, type(v), v) for k, v in variables.items()))
    try:
        return json.dumps(variables, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


# Request headers that sign a request in (``gateway.auth.Authenticator.credentials``).
_CREDENTIAL_HEADERS = frozenset(
    {b"authorization", b"cookie", b"x-townhall-user", b"origin", b"host"}
)


def _credentials(request: Request) -> tuple[Any, ...]:
    """Everything sign-in reads of a request, as it came: equal tuples sign in alike."""
    return credentials_of(request.scope)


def credentials_of(scope: Scope) -> tuple[Any, ...]:
    """Everything sign-in reads of a request's ASGI scope, as it came."""
    return (
        scope.get("scheme"),
        scope.get("method") in ("GET", "HEAD"),
        *(item for item in scope["headers"] if item[0] in _CREDENTIAL_HEADERS),
    )


def _token_expiry(token: str) -> float | None:
    """A JWT's ``exp`` (its signature was checked by this request's sign-in)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except Exception:
        return None


def _may_write(request: Request, params: dict[str, Any]) -> bool:
    """Whether a request the registry does not know might run a mutation (POST only):
    text naming one, or a hash alone (a persisted query remembered from earlier)."""
    if request.method != "POST":
        return False
    query = params.get("query")
    return not isinstance(query, str) or "mutation" in query
