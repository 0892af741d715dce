"""Trusted documents: the operations registered ahead, and persisted queries by hash.

Owns the registry (``TrustedDocuments``: every document known ahead, by the SHA-256
hex of its UTF-8 text), what a request's ``query`` and ``extensions`` resolve to
(``DocumentResolver.resolve``: Apollo's automatic persisted queries protocol, and the
``limits.trusted_documents`` mode), and the bounded stores that remember documents
sent with their hash (in memory, or in Redis shared by instances).

A hash is always of the exact text a client sends, so the registry holds texts as
clients send them: the typed Python client's operations as they are written in
``townhall_client/client.py`` (what ariadne-codegen made of ``client/queries/``),
``.graphql`` files (each operation with the fragments it uses, printed by
graphql-core), and JSON manifests of ``{"<sha256>": "<document>"}`` or Apollo's
persisted query manifest.

Refusals are values (``Resolved.refusal``), never exceptions, with a code a client can act
on; ``TrustedDocumentsError`` is raised only while loading (a broken source stops
start-up, it is never half-loaded). Documents sent with their hash are remembered
in ``gateway.apq``'s stores.

    TrustedDocumentsError(ValueError)   a source that cannot be loaded
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from graphql import (
    DefinitionNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    parse,
    print_ast,
)

from .apq import MemoryPersistedQueries, PersistedQueryStore, RedisPersistedQueries

if TYPE_CHECKING:
    from .settings import Settings

Mode = Literal["off", "allow", "registered_only"]
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
APOLLO_MANIFEST = "apollo-persisted-query-manifest"


class TrustedDocumentsError(ValueError):
    """A source of trusted documents that cannot be loaded (bad file, bad hash, bad GraphQL)."""


def document_hash(document: str) -> str:
    """SHA-256 hex of the document's UTF-8 text: the hash clients send."""
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Operation:
    """A registered document: its operation's name and type, its hash and text."""

    name: str
    kind: str  # query | mutation | subscription
    sha256: str
    document: str
    source: str


class TrustedDocuments:
    """The registry: documents known ahead, found by the SHA-256 of their text."""

    def __init__(self) -> None:
        self._by_hash: dict[str, Operation] = {}

    @classmethod
    def load(cls, *sources: str | Path, typed_client: bool = True) -> TrustedDocuments:
        """The typed client's operations (unless told not to), then every source given:
        a folder (its ``.graphql``/``.gql`` files, read together so fragments may live
        in their own files), a ``.graphql`` file, or a ``.json`` manifest."""
        registry = cls()
        if typed_client:
            registry.add_typed_client()
        for source in sources:
            path = Path(source)
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.suffix in {".graphql", ".gql"})
                registry.add_graphql(files, source=str(path))
            elif path.suffix == ".json":
                registry.add_manifest(path)
            elif path.suffix in {".graphql", ".gql"}:
                registry.add_graphql([path], source=str(path))
            else:
                raise TrustedDocumentsError(f"{path}: not a folder, .graphql file or .json file")
        return registry

    def add(self, document: str, *, source: str, name: str | None = None) -> Operation:
        """Register one document exactly as clients send it; its operations name it."""
        ast_ = _parse(document, source)
        operations = [d for d in ast_.definitions if isinstance(d, OperationDefinitionNode)]
        if not operations:
            raise TrustedDocumentsError(f"{source}: a document without an operation")
        names = [op.name.value if op.name else (name or "anonymous") for op in operations]
        kinds = sorted({op.operation.value for op in operations})
        sha = document_hash(document)
        operation = Operation("+".join(names), "+".join(kinds), sha, document, source)
        self._by_hash.setdefault(sha, operation)
        return self._by_hash[sha]

    def add_graphql(self, files: Iterable[Path], *, source: str) -> list[Operation]:
        """Each operation of these files, with the fragments it uses, as graphql-core prints it."""
        definitions: list[DefinitionNode] = []
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise TrustedDocumentsError(f"{file}: cannot be read ({exc})") from exc
            definitions.extend(_parse(text, str(file)).definitions)
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        added = []
        for op in definitions:
            if isinstance(op, OperationDefinitionNode):
                used = sorted(_fragments_used(op, fragments, source))
                text = "\n\n".join([print_ast(op), *(print_ast(fragments[f]) for f in used)])
                added.append(self.add(text, source=source))
        return added

    def add_manifest(self, path: Path) -> list[Operation]:
        """A JSON manifest: ``{"<sha256>": "<document>"}`` (GraphQL Codegen's persisted
        documents) or Apollo's ``{"format": "apollo-persisted-query-manifest", ...}``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise TrustedDocumentsError(f"{path}: not a readable JSON manifest ({exc})") from exc
        if isinstance(data, dict) and data.get("format") == APOLLO_MANIFEST:
            entries = [
                (op.get("id"), op.get("body"))
                for op in data.get("operations", [])
                if isinstance(op, dict)
            ]
        elif isinstance(data, dict):
            entries = list(data.items())
        else:
            raise TrustedDocumentsError(f"{path}: a manifest is a JSON object")
        added = []
        for key, document in entries:
            if not isinstance(key, str) or not isinstance(document, str):
                raise TrustedDocumentsError(f"{path}: entries map a hash to a document")
            if key.lower() != document_hash(document):
                raise TrustedDocumentsError(f"{path}: {key} is not the SHA-256 of its document")
            added.append(self.add(document, source=str(path)))
        return added

    def add_typed_client(self) -> list[Operation]:
        """The operations ``townhall_client`` sends, as it sends them (read from its source,
        which ships in the package: ``client/queries/`` does not)."""
        spec = importlib.util.find_spec("townhall_client")
        if spec is None or not spec.submodule_search_locations:
            raise TrustedDocumentsError("the typed client (townhall_client) is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / "client.py"
        return [self.add(text, source="townhall_client") for text in _gql_strings(path)]

    def get(self, sha256: str) -> str | None:
        """The registered document with this hash, if any."""
        operation = self._by_hash.get(sha256.lower())
        return operation.document if operation else None

    def operation(self, sha256: str) -> Operation | None:
        return self._by_hash.get(sha256.lower())

    def operations(self) -> list[Operation]:
        """Every registered operation, by name."""
        return sorted(self._by_hash.values(), key=lambda op: (op.name, op.sha256))

    def names(self) -> list[str]:
        return sorted({op.name for op in self._by_hash.values()})

    def manifest(self) -> dict[str, str]:
        """``{"<sha256>": "<document>"}``: what portals ship to send hashes only."""
        return {op.sha256: op.document for op in self.operations()}

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(name, sha256) of every registered operation, by name."""
        return ((op.name, op.sha256) for op in self.operations())

    def __len__(self) -> int:
        return len(self._by_hash)

    def __contains__(self, sha256: object) -> bool:
        return isinstance(sha256, str) and sha256.lower() in self._by_hash


def _parse(text: str, source: str) -> DocumentNode:
    try:
        return parse(text)
    except GraphQLError as exc:
        raise TrustedDocumentsError(f"{source}: {exc.message}") from exc


def _fragments_used(
    op: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode], source: str
) -> set[str]:
    """The fragments an operation spreads, directly or through other fragments."""
    used: set[str] = set()
    pending: list[SelectionNode] = list(op.selection_set.selections)
    while pending:
        node = pending.pop()
        if isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name not in fragments:
                raise TrustedDocumentsError(f"{source}: fragment {name} is not defined")
            if name not in used:
                used.add(name)
                pending.extend(fragments[name].selection_set.selections)
        elif isinstance(node, FieldNode | InlineFragmentNode) and node.selection_set:
            pending.extend(node.selection_set.selections)
    return used


def _gql_strings(path: Path) -> list[str]:
    """The literal arguments of ``gql("...")`` in ariadne-codegen's client module."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError) as exc:
        raise TrustedDocumentsError(f"{path}: cannot be read ({exc})") from exc
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "gql"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ]


# Resolving a request


class RefusalCode(StrEnum):
    """The ``extensions.code`` of a refused document (the first two as Apollo names them)."""

    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    PERSISTED_QUERY_INVALID = "PERSISTED_QUERY_INVALID"
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    OPERATION_NOT_REGISTERED = "OPERATION_NOT_REGISTERED"
    QUERY_MISSING = "QUERY_MISSING"


class DocumentRefusal(NamedTuple):
    """Why no document runs: a code clients act on, a message, the HTTP status to answer
    (unpacks as ``code, message, status``)."""

    code: RefusalCode
    message: str
    status: int

    def error(self) -> dict[str, object]:
        """The GraphQL error to answer with."""
        return {"message": self.message, "extensions": {"code": self.code.value}}

    def headers(self) -> dict[str, str]:
        # As Apollo Server answers: the client is about to send the text instead, so
        # nothing may cache this answer.
        if self.code in _UNCACHEABLE:
            return {"Cache-Control": "private, no-cache, must-revalidate"}
        return {}


_UNCACHEABLE = {RefusalCode.PERSISTED_QUERY_NOT_FOUND, RefusalCode.PERSISTED_QUERY_NOT_SUPPORTED}

Source = Literal["registered", "persisted", "text"]


@dataclass(frozen=True, slots=True)
class Resolved:
    """The document a request runs, or why none does (``refusal``).

    ``source``: registered ahead (``operation`` says which), remembered from an
    earlier request (``persisted``), or the text of this request.
    """

    document: str | None = None
    sha256: str | None = None
    source: Source | None = None
    operation: Operation | None = None
    refusal: DocumentRefusal | None = None

    @property
    def registered(self) -> bool:
        return self.source == "registered"


def _refused(code: RefusalCode, message: str, status: int) -> Resolved:
    return Resolved(refusal=DocumentRefusal(code, message, status))


# Apollo clients recognise the first two by these exact messages (and codes).
NOT_FOUND = _refused(RefusalCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", 200)
NOT_SUPPORTED = _refused(
    RefusalCode.PERSISTED_QUERY_NOT_SUPPORTED, "PersistedQueryNotSupported", 200
)
INVALID = _refused(
    RefusalCode.PERSISTED_QUERY_INVALID,
    "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
    400,
)
MISMATCH = _refused(
    RefusalCode.PERSISTED_QUERY_HASH_MISMATCH,
    "The sha256Hash sent is not the SHA-256 of the query sent.",
    400,
)
NOT_REGISTERED = _refused(
    RefusalCode.OPERATION_NOT_REGISTERED,
    "Only registered operations run here: this document is not one of them.",
    403,
)
MISSING = _refused(RefusalCode.QUERY_MISSING, "The request has no `query`.", 400)


class DocumentResolver:
    """Turns a request's ``query`` and ``extensions`` into the document to run, by mode:

    - ``off``: no persisted queries (a hash alone is ``PERSISTED_QUERY_NOT_SUPPORTED``);
      any text runs.
    - ``allow``: registered hashes, and APQ: a text sent with its hash is remembered, so
      later requests may send the hash alone; any text runs.
    - ``registered_only``: only registered documents run, by hash or as text, unless
      ``may_register`` (an analyst), who may also use APQ.
    """

    def __init__(
        self,
        registry: TrustedDocuments,
        *,
        mode: Mode = "allow",
        store: PersistedQueryStore | None = None,
        max_remembered_bytes: int = 65_536,
    ) -> None:
        self.registry = registry
        self.mode = mode
        self.store = store if store is not None else MemoryPersistedQueries()
        self._max_remembered_bytes = max_remembered_bytes

    @classmethod
    def from_settings(cls, settings: Settings, registry: TrustedDocuments) -> DocumentResolver:
        """``limits.trusted_documents``; remembered in Redis when ``cache.backend`` is redis."""
        store: PersistedQueryStore
        if settings.cache.backend == "redis":
            store = RedisPersistedQueries(settings.cache.redis_url, settings.cache.namespace)
        else:
            store = MemoryPersistedQueries()
        return cls(registry, mode=settings.limits.trusted_documents, store=store)

    async def resolve(self, query: object, extensions: object, *, may_register: bool) -> Resolved:
        """The document to run, or why not. ``query`` and ``extensions`` are the request's
        values as decoded (anything: they are checked here)."""
        text = query if isinstance(query, str) else None
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None or (self.mode == "off" and text is not None):
            return self._text(text, may_register) if text is not None else MISSING
        if self.mode == "off":
            return NOT_SUPPORTED
        sha = _persisted_hash(persisted)
        if sha is None:
            return INVALID
        if text is not None:
            if document_hash(text) != sha:
                return MISMATCH
            resolved = self._text(text, may_register)
            if resolved.source == "text":
                await self._remember(sha, text)
            return resolved
        if (operation := self.registry.operation(sha)) is not None:
            return Resolved(operation.document, sha, "registered", operation)
        if (self.mode == "allow" or may_register) and (
            document := await self.store.get(sha)
        ) is not None:
            return Resolved(document, sha, "persisted")
        return NOT_FOUND

    def _text(self, text: str, may_register: bool) -> Resolved:
        sha = document_hash(text)
        if (operation := self.registry.operation(sha)) is not None:
            return Resolved(text, sha, "registered", operation)
        if self.mode != "registered_only" or may_register:
            return Resolved(text, sha, "text")
        return NOT_REGISTERED

    async def _remember(self, sha: str, text: str) -> None:
        # Only a text whose hash was checked is stored, so no client can make a hash
        # stand for another document; large ones are not kept.
        if len(text.encode()) <= self._max_remembered_bytes:
            await self.store.set(sha, text)

    async def close(self) -> None:
        await self.store.close()


def _persisted_hash(persisted: object) -> str | None:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        return None
    sha = persisted.get("sha256Hash")
    if isinstance(sha, str) and _SHA256.fullmatch(sha):
        return sha.lower()
    return None
