"""The composition root: builds the ASGI app from settings.

The lifespan opens every connector (an ldap3 pool, one ``httpx.AsyncClient`` per
HTTP upstream, the social database, the record cache) and closes them on
shutdown. Each GraphQL request is authenticated, then gets a fresh ``Context``
with new DataLoaders. Nothing but the entry points imports this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from connectors.directory import (
    DirectoryFeatures,
    LdapOptions,
    PeopleRule,
    open_embedded,
    open_ldap,
)
from connectors.documents import DocumentIndex, FolderAccess
from connectors.hr import (
    BearerToken,
    ClientCredentials,
    CsvColumns,
    CsvHRExtract,
    HRConnector,
    HRSource,
    ScimPaths,
)
from connectors.resilience import CircuitBreaker, RetryPolicy
from connectors.social import SocialStore
from schema import build_schema
from schema.context import Policy, SocialLimits
from schema.vocabulary import Vocabulary

from .auth import Authenticator
from .background import background_jobs
from .budgets import Budgets
from .cache import RecordCache
from .data_protection import export_endpoint
from .digests.unsubscribe import PATH as UNSUBSCRIBE_PATH
from .digests.unsubscribe import UnsubscribeSigner, unsubscribe_endpoint
from .documents import DocumentSearch, open_documents
from .downloads import DownloadSigner, download_endpoint
from .graphql_http import GraphQLEndpoint
from .guard import RequestGuard
from .health import ReadinessCheck
from .live.events import open_live
from .live.transport import LiveEndpoint
from .loaders import Upstreams, forget_counts
from .metrics import metrics_routes
from .origins import OriginPolicy
from .photos import PhotoSigner, photo_endpoint
from .response_cache import ResponseCache
from .response_fastpath import ResponseFastPath
from .retention import data_protection
from .settings import Settings
from .signin import SignIn
from .state import AppState
from .static import ASSETS_PATH, GraphiQLAssets, GraphiQLPage, assets_version
from .tracing import configure_tracing, instrument_engine, instrument_http_client
from .trusted import DocumentResolver, TrustedDocuments
from .warmup import warm_before_serving, warm_directory, warm_hr
from .widgets import WIDGET_OPERATIONS, WidgetFiles

log = logging.getLogger("townhall")


def open_upstreams(settings: Settings, stack: contextlib.AsyncExitStack) -> Upstreams:
    """Open every connector; ``stack`` closes them."""
    d = settings.directory
    features = DirectoryFeatures(
        reports_via=d.reports_via,
        nested_groups="in_chain" if d.use_matching_rule_in_chain else "auto",
        anr=d.anr,
        range_step=d.range_step,
        change_tracking=d.change_tracking,
    )
    people = PeopleRule(filter=d.people_filter, excluded_ous=tuple(d.excluded_ous))
    if d.mode == "embedded":
        if d.ldif_file is None:
            raise ValueError("directory.ldif_file is needed for the embedded directory")
        directory = open_embedded(d.ldif_file, d.base_dn, features=features, people_rule=people)
    else:
        directory = open_ldap(
            LdapOptions(
                url=d.url,
                bind_dn=d.bind_dn,
                password=d.bind_password.get_secret_value(),
                base_dn=d.base_dn,
                group_base_dn=d.group_base_dn,
                start_tls=d.start_tls,
                allow_plain=d.allow_plain,
                ca_file=d.ca_file,
                verify_tls=d.verify_tls,
                tls_server_name=d.tls_server_name,
                pool_size=d.pool_size,
                connect_timeout=d.connect_timeout,
                operation_timeout=d.operation_timeout,
                page_size=d.page_size,
                batch_size=d.batch_size,
                schema=d.schema_,
                features=features,
                people_rule=people,
            )
        )
    stack.push_async_callback(directory.close)

    hr = _open_hr(settings, stack)

    documents = open_documents(settings.documents, stack, traced=settings.tracing.enabled)

    social = SocialStore.open(settings.social.database_url)
    stack.push_async_callback(social.close)
    if settings.tracing.enabled:
        for engine in social.sync_engines():
            instrument_engine(engine)

    if settings.cache.backend == "redis":
        cache = RecordCache.redis(settings.cache.redis_url, settings.cache.namespace)
    else:
        cache = RecordCache.memory(max_entries=settings.cache.memory_max_entries)
    stack.push_async_callback(cache.close)
    social.follow_listeners.append(functools.partial(forget_counts, cache))
    return Upstreams(directory=directory, hr=hr, documents=documents, social=social, cache=cache)


def _open_hr(settings: Settings, stack: contextlib.AsyncExitStack) -> HRSource | None:
    """The HR source the settings name: the SCIM API or the CSV extract (or none)."""
    h = settings.hr
    if h.source == "csv" and h.csv_file is not None:
        columns = CsvColumns(
            **({"columns": h.csv_columns} if h.csv_columns else {}),
            key=h.csv_key,
            date_format=h.csv_date_format,
            delimiter=h.csv_delimiter,
            encoding=h.csv_encoding,
            ignored=frozenset(h.csv_ignored_columns),
        )
        return CsvHRExtract(h.csv_file, columns, check_every=h.csv_check_every)
    if not h.url:
        return None
    auth: httpx.Auth | None = None
    if h.token_url:
        auth = ClientCredentials(
            h.token_url,
            h.client_id,
            h.client_secret.get_secret_value(),
            scope=h.scope or None,
            method=h.token_auth_method,
        )
    elif h.token.get_secret_value():
        auth = BearerToken(h.token.get_secret_value())
    client = httpx.AsyncClient(
        base_url=h.url.rstrip("/") + "/",
        auth=auth,
        timeout=h.timeout,
        limits=httpx.Limits(max_connections=20),
    )
    stack.push_async_callback(client.aclose)
    if settings.tracing.enabled:
        instrument_http_client(client, "hr")
    return HRConnector(
        client,
        paths=ScimPaths(extension=h.extension_schema, paths=h.attribute_paths),
        batch_size=h.batch_size,
        page_size=h.page_size,
        deadline=settings.deadlines.hr,
        change_overlap=h.change_overlap,
        retry=RetryPolicy(attempts=h.retries + 1),
        breaker=CircuitBreaker(failure_threshold=h.breaker_failures, reset_after=h.breaker_reset),
    )


def tune_gc(threshold: int) -> None:
    """Collect start-up garbage, then freeze what is left (schema, settings, warmed records)
    out of the collector's sight, and collect the young generation less often: requests
    allocate many short-lived objects, and every collection would walk all of them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(threshold, 20, 20)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a prefetch's failure seen: whoever needs the value awaits it and gets it."""
    if not future.cancelled():
        future.exception()


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("warming the cache failed: %s", task.exception())


def create_app(settings: Settings) -> Starlette:
    """The Townhall ASGI application."""
    configure_tracing(settings.tracing)
    origins = OriginPolicy.of(settings.server.public_url, settings.server.cors_origins)
    signer = PhotoSigner.from_settings(settings)
    access_file = settings.documents.access_file
    readers_from = settings.documents.readers_from
    downloads = DownloadSigner.from_settings(settings)
    unsubscribe = UnsubscribeSigner.from_settings(settings)
    policy = Policy(
        hr_join=settings.hr.join,
        hr_groups=frozenset(g.casefold() for g in settings.access.hr_groups),
        document_access=FolderAccess.from_file(access_file, readers_from=readers_from)
        if access_file
        else FolderAccess({}, readers_from=readers_from),
        photo_url=signer.url,
        document_url=downloads.url,
        moderator_groups=frozenset(g.casefold() for g in settings.social.moderator_groups),
        data_protection_groups=frozenset(
            g.casefold() for g in settings.access.data_protection_groups
        ),
        digest_default=settings.digests.default_frequency,
        vocabulary=Vocabulary.from_files(settings.social.vocabulary_files),
        social_limits=SocialLimits(
            comment_length=settings.social.max_comment_length,
            tags_per_item=settings.social.max_tags_per_item,
            skills_per_profile=settings.social.max_skills_per_profile,
            comments_per_minute=settings.limits.comments_per_minute,
            mentions_per_comment=settings.limits.mentions_per_comment,
        ),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(budgets.close)
            if documents is not None:
                stack.push_async_callback(documents.close)
            upstreams = open_upstreams(settings, stack)
            if responses is not None:  # every write and change feed invalidates answers
                stack.push_async_callback(responses.generation.close)
                stack.callback(responses.generation.watch(upstreams))
            # The warm-ups set to start-up run while the rest opens (the social store, the
            # live bus, the jobs): the app serves once they are done.
            warming = asyncio.create_task(
                warm_before_serving(upstreams, settings.cache, settings.hr.join)
            )
            stack.push_async_callback(_stop, warming)
            await upstreams.social.migrate()
            if settings.social.seed_file is not None:
                await upstreams.social.seed(settings.social.seed_file)
            # Live updates: committed writes -> the bus (Redis with the Redis cache) ->
            # this instance's subscriptions; stopped before the store closes.
            live = await open_live(
                settings.live,
                upstreams.social,
                stack,
                redis_url=settings.cache.redis_url if settings.cache.backend == "redis" else None,
                namespace=settings.cache.namespace,
            )
            app.state.live = live
            app.state.sign_in = sign_in  # subscriptions' contexts: SignIn.context_for
            sign_in.live = live.hub
            # Change feeds, indexing, retention, digests: here, or in `townhall worker`
            # (stopped before the store they write to closes).
            if settings.worker.mode == "embedded":
                jobs = await stack.enter_async_context(
                    background_jobs(settings, upstreams, unsubscribe)
                )
                upstreams.document_sync = jobs.document_sync
                app.state.directory_sync = jobs.directory_sync
            elif upstreams.documents is not None:  # the index the worker fills
                search = DocumentSearch(DocumentIndex.open(settings.documents.search_database_url))
                stack.push_async_callback(search.close)
                upstreams.document_sync = search
            state.upstreams = upstreams
            sign_in.upstreams = upstreams
            app.state.upstreams = upstreams
            state.subject_access = await stack.enter_async_context(
                data_protection(app.state, settings, upstreams)
            )
            await warming
            if settings.cache.warm_directory == "background":
                task = asyncio.create_task(warm_directory(upstreams, settings.cache))
                task.add_done_callback(_log_failure)
                stack.push_async_callback(_stop, task)
            if settings.cache.warm_hr == "background" and upstreams.hr is not None:
                hr_task = asyncio.create_task(warm_hr(upstreams, settings.cache, settings.hr.join))
                hr_task.add_done_callback(_log_failure)
                stack.push_async_callback(_stop, hr_task)
            if settings.server.gc_threshold:
                tune_gc(settings.server.gc_threshold)
            log.info("Townhall is ready")
            yield

    schema = build_schema()
    ide_routes: list[Mount] = []
    page: Callable[[Request], Awaitable[Response]] | None = None
    if settings.graphiql_enabled:
        version = assets_version()
        graphiql = GraphiQLPage(
            version=version,
            dev_sign_in=settings.auth.dev_sign_in,
            dev_user=settings.auth.dev_default_user,
        )
        ide_routes.append(Mount(ASSETS_PATH, GraphiQLAssets(version), name="graphiql"))

        async def page(request: Request) -> Response:
            return graphiql.render(request)

    state = AppState(settings, Authenticator(settings.auth, origins), policy)
    sign_in = SignIn(settings, state.authenticator, state.policy)
    budgets = Budgets.from_settings(settings)
    documents = (
        DocumentResolver.from_settings(
            # The portal widgets send their operations by hash only: always registered.
            settings,
            TrustedDocuments.load(*settings.limits.trusted_sources, WIDGET_OPERATIONS),
        )
        if settings.limits.trusted_documents != "off"
        else None
    )
    responses = (
        ResponseCache.from_settings(
            settings,
            documents.registry
            if documents is not None
            else TrustedDocuments.load(*settings.limits.trusted_sources, WIDGET_OPERATIONS),
        )
        if settings.cache.responses
        else None
    )
    graphql = GraphQLEndpoint(
        schema,
        settings,
        sign_in=sign_in,
        may_discover=sign_in.may_discover,
        viewer_key=sign_in.viewer_key,
        budgets=budgets if budgets.enabled else None,
        documents=documents,
        graphiql=page,
        responses=responses,
    )

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    readiness = ReadinessCheck.from_settings(settings)

    async def home(_: Request) -> Response:
        return RedirectResponse("/graphql")

    guard: dict[str, Any] = {
        "max_body_bytes": settings.server.max_body_bytes,
        "body_timeout": settings.server.body_timeout,
        "hsts_max_age": settings.server.hsts_max_age,
    }
    cors: dict[str, Any] = {}
    if settings.server.cors_origins:
        cors = {
            "allow_origins": settings.server.cors_origins,
            "allow_methods": ["GET", "POST"],
            # Widgets send a bearer token, or the gateway's cookie (credentials).
            "allow_headers": ["Authorization", "Content-Type", "Accept"],
            "allow_credentials": True,
            "expose_headers": ["X-Request-Id", "RateLimit", "RateLimit-Policy", "Retry-After"],
        }
    middleware = [Middleware(RequestGuard, **guard)]
    if cors:
        middleware.append(Middleware(CORSMiddleware, **cors))
    fast_path = None
    if responses is not None and not settings.tracing.enabled:
        # Repeated registered queries answered from the cache before everything else.
        fast_path = ResponseFastPath(responses, guard=guard, cors=cors or None)
        middleware.insert(0, Middleware(fast_path.wrap))
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", health),
            Route("/readyz", readiness.endpoint),
            Route("/photos/{guid}", photo_endpoint(state, signer)),
            Route("/documents/content/{path:path}", download_endpoint(state, downloads)),
            Route("/exports/{export_id}", export_endpoint(state)),
            Route(
                UNSUBSCRIBE_PATH, unsubscribe_endpoint(state, unsubscribe), methods=["GET", "POST"]
            ),
            Route("/graphql", graphql, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            WebSocketRoute(  # GraphQL subscriptions (graphql-transport-ws)
                "/graphql",
                LiveEndpoint(
                    settings,
                    schema=schema,
                    graphql=graphql,
                    sign_in=sign_in,
                    authenticator=state.authenticator,
                    origins=origins,
                    budgets=budgets if budgets.enabled else None,
                ),
            ),
            *metrics_routes(settings, documents),
            *WidgetFiles(settings.server.cors_origins).routes(),
            *ide_routes,
        ],
        middleware=middleware,
        lifespan=readiness.around(lifespan),
    )
    app.state.response_fast_path = fast_path
    return app
