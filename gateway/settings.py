"""Townhall's settings: one pydantic-settings tree, read from the environment.

Every value has an environment variable named ``TOWNHALL_<SECTION>__<FIELD>``
(e.g. ``TOWNHALL_DIRECTORY__URL``) and may also come from a ``.env`` file or a
settings file named by ``TOWNHALL_SETTINGS_FILE`` (JSON). Secrets are
``SecretStr`` so they never appear in logs or reprs.

Settings are built once by the entry point and passed down; nothing reads them
from a global.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .digests.settings import DigestSettings
from .live.settings import LiveSettings
from .logs import LogSettings
from .oidc import public_key_jwk
from .tracing import TracingSettings
from .worker_settings import WorkerSettings


class DirectorySettings(BaseModel):
    """Where people, the org chart and groups come from (Active Directory over LDAP)."""

    mode: Literal["ldap", "embedded"] = Field(
        "embedded",
        description="'ldap' talks to a real directory; 'embedded' serves the sample council "
        "from ldap3's in-memory directory (the demo).",
    )
    url: str = Field("ldaps://127.0.0.1:636", description="ldap:// or ldaps:// URL of a DC.")
    start_tls: bool = Field(False, description="Upgrade an ldap:// connection with StartTLS.")
    allow_plain: bool = Field(
        False, description="Allow an unencrypted ldap:// bind (never in production)."
    )
    ca_file: Path | None = Field(None, description="CA bundle that signed the DC's certificate.")
    verify_tls: bool = Field(True, description="Verify the DC's certificate and host name.")
    tls_server_name: str | None = Field(
        None, description="Name on the DC's certificate when it differs from the URL's host."
    )
    bind_dn: str = Field("", description="Service account (DN or user@domain) Townhall binds as.")
    bind_password: SecretStr = SecretStr("")
    base_dn: str = Field("DC=ad,DC=northshire,DC=test", description="Search base for people.")
    group_base_dn: str | None = Field(None, description="Search base for groups (default: base).")
    ldif_file: Path | None = Field(None, description="LDIF served by the embedded directory.")
    pool_size: int = Field(4, ge=1, le=64, description="LDAP connections kept open.")
    connect_timeout: float = Field(5.0, gt=0)
    operation_timeout: float = Field(10.0, gt=0)
    page_size: int = Field(500, ge=1, le=1000, description="Simple Paged Results page size.")
    batch_size: int = Field(100, ge=1, le=500, description="Keys per OR-filter search.")
    schema_: Literal["ad", "openldap"] = Field(
        "ad",
        alias="schema",
        description="Attribute names: Active Directory's, or OpenLDAP's (uid, entryUUID, "
        "jpegPhoto, modifyTimestamp, groupOfNames).",
    )
    reports_via: Literal["manager_search", "direct_reports"] = Field(
        "manager_search",
        description="Direct reports by a (manager=...) search, or from AD's directReports.",
    )
    use_matching_rule_in_chain: bool = Field(
        False, description="Nested groups through AD's LDAP_MATCHING_RULE_IN_CHAIN."
    )
    anr: bool = Field(False, description="Search names with AD's Ambiguous Name Resolution.")
    range_step: int | None = Field(
        None, ge=1, description="Read big multi-valued attributes in windows of this many values."
    )
    change_tracking: Literal["usn", "dirsync", "timestamp"] = Field(
        "usn",
        description="Change feed by uSNChanged, the DirSync control, or the change time "
        "(modifyTimestamp, for directories with neither).",
    )
    sync_interval: float = Field(
        60.0,
        ge=0,
        description="Seconds between reads of the directory's change feed, which drop changed "
        "people from the cache; 0 turns it off.",
    )
    people_filter: str = Field(
        "",
        max_length=2000,
        description="An LDAP filter every person listed or found must also match, e.g. "
        "`(employeeID=*)` (empty: none).",
    )
    excluded_ous: list[str] = Field(
        default_factory=list,
        description="DNs of OUs whose accounts are not people (service accounts, shared "
        "mailboxes, rooms): left out of people listings and searches.",
    )

    model_config = ConfigDict(populate_by_name=True)

    @field_validator("people_filter")
    @classmethod
    def _parse_people_filter(cls, value: str) -> str:
        if value:
            from ldap3.core.exceptions import LDAPException
            from ldap3.operation.search import parse_filter

            try:
                parse_filter(value, None, auto_escape=False, auto_encode=False, validator=None,
                             check_names=False)  # fmt: skip
            except (LDAPException, ValueError, IndexError) as exc:
                raise ValueError(f"directory.people_filter is not an LDAP filter: {exc}") from None
        return value


class HRSettings(BaseModel):
    """The HR system, read over SCIM 2.0 or from its CSV extract."""

    source: Literal["scim", "csv"] = Field(
        "scim", description="'scim' reads `url`; 'csv' reads the extract file `csv_file`."
    )
    url: str = Field("", description="SCIM base URL, e.g. https://hr.example/scim/v2.")
    token: SecretStr = Field(SecretStr(""), description="Static bearer token for the SCIM API.")
    token_url: str = Field(
        "", description="OAuth2 token endpoint; when set, client credentials replace `token`."
    )
    client_id: str = Field("", description="OAuth2 client id (with `token_url`).")
    client_secret: SecretStr = Field(SecretStr(""), description="OAuth2 client secret.")
    scope: str = Field("", description="OAuth2 scope to ask for (optional).")
    token_auth_method: Literal["basic", "post"] = Field(
        "basic", description="Client authentication at the token endpoint (RFC 6749 §2.3.1)."
    )
    timeout: float = Field(5.0, gt=0)
    batch_size: int = Field(50, ge=1, le=200, description="Keys per SCIM 'or' filter.")
    page_size: int = Field(
        200, ge=1, le=1000, description="Records per page of a listing or of the change feed."
    )
    retries: int = Field(2, ge=0, le=10, description="Retries of a failed idempotent request.")
    breaker_failures: int = Field(5, ge=1, description="Failures in a row that open the breaker.")
    breaker_reset: float = Field(30.0, gt=0, description="Seconds before a probe is let through.")
    change_overlap: float = Field(
        2.0, ge=0, description="Seconds the change feed re-reads before its checkpoint."
    )
    sync_interval: float = Field(
        60.0,
        ge=0,
        description="Seconds between reads of the HR change feed, which drop changed records "
        "from the cache; 0 turns it off.",
    )
    attribute_paths: dict[str, str] = Field(
        default_factory=dict,
        description="SCIM attribute path of any HR field, overriding the default, e.g. "
        '{"grade": "urn:acme:hr:2.0:Employee:payBand", "job_title": "title"}.',
    )
    csv_file: Path | None = Field(None, description="The HR extract (source 'csv').")
    csv_columns: dict[str, str] = Field(
        default_factory=dict,
        description='CSV header of each HR field, e.g. {"employee_number": "Employee No"} '
        "(default: every field, headed by its own name).",
    )
    csv_key: Literal["employee_number", "user_name", "external_id"] = Field(
        "employee_number", description="The field that identifies a row of the extract."
    )
    csv_ignored_columns: list[str] = Field(
        default_factory=list, description="Columns known and never read (not reported)."
    )
    csv_date_format: str = Field("%Y-%m-%d", description="strptime format of dates.")
    csv_delimiter: str = Field(",", min_length=1, max_length=1)
    csv_encoding: str = "utf-8-sig"
    csv_check_every: float = Field(
        60.0, ge=0, description="Seconds between checks whether the extract file changed."
    )
    join: Literal["employee_number", "user_name"] = Field(
        "employee_number",
        description="How a directory person is joined to an HR record: AD employeeID to SCIM "
        "employeeNumber, or the UPN to SCIM userName.",
    )
    extension_schema: str = Field(
        "urn:townhall:scim:schemas:extension:council:2.0:Employee",
        description="SCIM schema URN holding grade, working pattern, location, start date.",
    )

    @model_validator(mode="after")
    def _complete(self) -> HRSettings:
        if self.source == "csv" and self.csv_file is None:
            raise ValueError("hr.csv_file is needed when hr.source is 'csv'")
        if self.token_url and not (self.client_id and self.client_secret.get_secret_value()):
            raise ValueError("hr.token_url needs hr.client_id and hr.client_secret")
        return self


class DocumentSettings(BaseModel):
    """The document store: WebDAV, or a local folder (a mounted file share)."""

    source: Literal["webdav", "folder"] = Field(
        "webdav", description="'webdav' reads `url`; 'folder' reads a local folder (`folder`)."
    )
    url: str = Field("", description="WebDAV root URL.")
    username: str = Field("", description="Basic auth user (ignored when `token` is set).")
    password: SecretStr = SecretStr("")
    token: SecretStr = Field(SecretStr(""), description="Bearer token for the WebDAV store.")
    timeout: float = Field(10.0, gt=0)
    max_connections: int = Field(20, ge=1, le=200)
    retries: int = Field(2, ge=0, le=10, description="Retries of an idempotent request.")
    breaker_failures: int = Field(5, ge=1, description="Failures in a row that open the breaker.")
    breaker_reset: float = Field(30.0, gt=0, description="Seconds before a probe is let through.")
    property_namespace: str = Field(
        "urn:townhall:dav:props", description="XML namespace of author/editor/tag properties."
    )
    folder: Path | None = Field(None, description="Root of the file share (source 'folder').")
    metadata_file: Path | None = Field(
        None, description="Sidecar JSON with author/lastEditor/tags/title per path (folder)."
    )
    access_file: Path | None = Field(
        None, description="JSON map of folders to the directory groups that may read them."
    )
    readers_from: Literal["folders", "store", "both"] = Field(
        "folders",
        description="Readers from the folder map, the store's RFC 3744 ACLs, or both "
        "(the ACL where the store keeps one).",
    )
    search_database_url: str = Field(
        "",
        description="Search index database: sqlite+aiosqlite:///path (FTS5) or "
        "postgresql+asyncpg://... (full-text); empty: in memory, rebuilt at start-up.",
    )
    sync_interval: float = Field(60.0, gt=0, description="Seconds between change-feed polls.")
    text_limit: int = Field(1_000_000, ge=0, description="Bytes of a text file indexed.")
    download_url_lifetime: int = Field(900, ge=30, description="Seconds a download link works.")


class SocialSettings(BaseModel):
    """Townhall's own store: follows, comments, reactions, activity."""

    database_url: str = Field(
        "sqlite+aiosqlite:///var/townhall.db",
        description="SQLAlchemy async URL (sqlite+aiosqlite:// or postgresql+asyncpg://).",
    )
    seed_file: Path | None = Field(None, description="Social data loaded into an empty store.")
    moderator_groups: list[str] = Field(
        default_factory=lambda: ["Townhall Moderators"],
        description="Directory groups whose members moderate comments and activity.",
    )
    fallback_moderator_groups: list[str] = Field(
        default_factory=list,
        description="Directory groups whose members moderate what no member of the moderator "
        "groups may open (a report on a comment under a restricted document); each sees only "
        "reports on items they may open themselves.",
    )
    max_comment_length: int = Field(5000, ge=1, le=100_000, description="Characters.")
    max_tags_per_item: int = Field(10, ge=0, le=100, description="#tags in one comment.")
    max_skills_per_profile: int = Field(30, ge=1, le=500)
    vocabulary_files: list[Path] = Field(
        default_factory=list,
        description="JSON files of related terms (and the groups that know about them) that "
        "`experts` applies to a topic; merged in order, concepts sharing a term joined.",
    )
    directory_activity_interval: float = Field(
        300.0,
        ge=0,
        description="Seconds between reads of the directory's change feed for joined, moved "
        "and left activity (0: off; needs directory.mode 'ldap').",
    )


class CacheSettings(BaseModel):
    """Cross-request cache of upstream records."""

    backend: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"
    namespace: str = "townhall"
    directory_ttl: float = Field(300.0, ge=0, description="Seconds a directory record is fresh.")
    hr_ttl: float = Field(900.0, ge=0)
    documents_ttl: float = Field(120.0, ge=0)
    missing_ttl: float = Field(60.0, ge=0, description="Seconds a 'not found' is remembered.")
    search_ttl: float = Field(60.0, ge=0, description="Seconds a people-search result is reused.")
    counts_ttl: float = Field(
        30.0,
        ge=0,
        description="Seconds follower and following counts are reused (0: counted on every "
        "read). Follows made through Townhall drop the counts they change at once; with "
        "several instances that holds only with the shared (Redis) cache.",
    )
    warm_directory: Literal["off", "startup", "background"] = Field(
        "off",
        description="Fill the cache with the whole directory at start-up (before serving, or "
        "in the background).",
    )
    warm_hr: Literal["off", "startup", "background"] = Field(
        "off",
        description="Fill the cache with every HR record at start-up (one paged listing): "
        "before serving, at the same time as the directory, or in the background "
        "(true/false: background/off).",
    )

    @field_validator("warm_hr", mode="before")
    @classmethod
    def _warm_hr_flag(cls, value: Any) -> Any:
        # It was a flag for the background warm-up; a flag still means that.
        flags = {"true": "background", "1": "background", "false": "off", "0": "off"}
        if isinstance(value, bool):
            return "background" if value else "off"
        return flags.get(value.strip().lower(), value) if isinstance(value, str) else value

    max_stale: float = Field(
        3600.0,
        ge=0,
        description="Seconds past its freshness a record may still be served: at once while one "
        "background refresh runs, and for as long as the upstream keeps failing.",
    )
    responses: bool = Field(
        True,
        description="Cache whole answers of registered query operations, per viewer access "
        "class (gateway.response_cache); every write and change feed invalidates them.",
    )
    responses_ttl: float = Field(
        30.0, ge=0, description="Seconds a cached answer is served at most (0: none cached)."
    )
    responses_max_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="Bytes of cached answers kept per process (LRU)."
    )
    responses_max_entries: int = Field(
        10_000, ge=0, description="Cached answers kept per process at most (LRU)."
    )
    memory_max_entries: int = Field(
        1_000_000,
        ge=0,
        description="Records kept by the in-memory cache at most (0: no bound); past it, the "
        "expired go first, then the oldest written. 100,000 people warmed take about 800,000.",
    )


class DeadlineSettings(BaseModel):
    """Seconds each source may take within one request before its fields fail as a timeout."""

    directory: float = Field(8.0, gt=0)
    hr: float = Field(8.0, gt=0)
    documents: float = Field(10.0, gt=0)


class AuthSettings(BaseModel):
    """How callers prove who they are: a bearer token (JWT) from the council's identity
    provider (Entra ID, ADFS, or any OpenID provider), or the demo's development sign-in."""

    dev_sign_in: bool = Field(
        False,
        description="Accept 'X-Townhall-User: <sAMAccountName>' without a token. "
        "Demo only: refused unless the environment is 'demo'.",
    )
    dev_default_user: str = Field(
        "", description="With dev_sign_in, the account used when a request names none."
    )
    jwt_issuer: str = Field(
        "",
        description="The `iss` every token must carry (required in production, unless "
        "oidc_issuer_url supplies it).",
    )
    jwt_audience: str = Field(
        "", description="The `aud` every token must carry (required in production)."
    )
    jwt_jwks_url: str = Field(
        "", description="JWKS of the token issuer (https only in production)."
    )
    jwt_public_key: SecretStr = Field(
        SecretStr(""),
        description="PEM public key or certificate (RSA or EC) that verifies tokens, "
        "instead of jwt_jwks_url or oidc_issuer_url.",
    )
    oidc_issuer_url: str = Field(
        "",
        description="OpenID Connect issuer: its /.well-known/openid-configuration must name "
        "this issuer and gives the JWKS; tokens must carry it as `iss` unless jwt_issuer "
        "is set (https only in production).",
    )
    jwt_claim: str = Field(
        "upn", description="With claim_mapping 'upn', the token claim holding the user's UPN."
    )
    claim_mapping: Literal["upn", "entra", "adfs"] = Field(
        "upn",
        description="Which claims name the person: `upn` (jwt_claim only), `entra` (Entra ID: "
        "`upn`, then `preferred_username`; `oid` is logged as the subject, never looked up), "
        "`adfs` (`upn`, then `unique_name`: a UPN, or DOMAIN\\account with netbios_domain).",
    )
    netbios_domain: str = Field(
        "",
        description="The directory's NetBIOS domain name: with claim_mapping 'adfs', a "
        "`unique_name` of DOMAIN\\account signs in only when DOMAIN is this one.",
    )
    max_token_lifetime: int = Field(
        86_400, ge=60, description="Seconds between a token's iat (or nbf) and exp, at most."
    )
    jwks_refresh_interval: float = Field(
        60.0,
        ge=1,
        description="Seconds between key refetches caused by an unknown `kid` (a failed "
        "fetch is retried after 10 s, or this, if shorter).",
    )
    leeway: int = Field(30, ge=0, le=300, description="Seconds of clock skew tolerated.")
    token_cookie: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_.-]{0,64}$",
        description="Name of a cookie holding a bearer token, read when a request (or a "
        "WebSocket's connection_init) sends none; only from the gateway's own origin or "
        "server.cors_origins. Empty: no cookie sign-in.",
    )

    @model_validator(mode="after")
    def _coherent(self) -> AuthSettings:
        ways = [
            name
            for name, value in (
                ("jwt_public_key", self.jwt_public_key.get_secret_value().strip()),
                ("jwt_jwks_url", self.jwt_jwks_url),
                ("oidc_issuer_url", self.oidc_issuer_url),
            )
            if value
        ]
        if len(ways) > 1:
            raise ValueError(f"set only one way to verify tokens, not {' and '.join(ways)}")
        for name in ("jwt_jwks_url", "oidc_issuer_url"):
            url = urlsplit(getattr(self, name))
            if url.geturl() and not (url.scheme in ("https", "http") and url.hostname):
                raise ValueError(f"auth.{name} must be an https:// URL")
        if self.jwt_public_key.get_secret_value().strip():
            public_key_jwk(self.jwt_public_key.get_secret_value())  # ValueError if unusable
        return self

    def refuse_unsafe_production(self) -> None:
        """ValueError unless tokens are verified, with issuer and audience, over https."""
        key = self.jwt_public_key.get_secret_value().strip()
        if not (key or self.jwt_jwks_url or self.oidc_issuer_url):
            raise ValueError(
                "production needs a way to verify tokens: auth.oidc_issuer_url, "
                "auth.jwt_jwks_url or auth.jwt_public_key"
            )
        if not (self.jwt_issuer or self.oidc_issuer_url):
            raise ValueError("production needs auth.jwt_issuer (or auth.oidc_issuer_url)")
        if not self.jwt_audience:
            raise ValueError("production needs auth.jwt_audience")
        for name in ("jwt_jwks_url", "oidc_issuer_url"):
            url = getattr(self, name)
            if url and urlsplit(url).scheme != "https":
                raise ValueError(f"auth.{name} must be https:// in production")


class AccessSettings(BaseModel):
    """Roles that widen what a viewer may see."""

    hr_groups: list[str] = Field(
        default_factory=lambda: ["HR Confidential"],
        description="Directory groups whose members hold the HR role (see restricted HR fields).",
    )
    data_protection_groups: list[str] = Field(
        default_factory=lambda: ["Data Protection"],
        description="Directory groups whose members may read the audit trail (`auditLog`) "
        "and export a person's data (`exportPersonData`).",
    )


class RetentionSettings(BaseModel):
    """How long personal data is kept, and subject-access exports (UK GDPR)."""

    deleted_comment_days: int = Field(
        30,
        ge=0,
        description="Days a deleted comment keeps its text and earlier revisions before the "
        "retention run purges them (0: kept until the comment is erased).",
    )
    leaver_days: int = Field(
        90,
        ge=0,
        description="Days after leaving (as the directory's change feed saw it) before a "
        "leaver's social data is erased by the retention run (0: never).",
    )
    check_interval: float = Field(
        3600.0,
        ge=0,
        description="Seconds between checks whether today's retention run is due; one "
        "instance runs it each day (0: no background run, use `townhall retention run`).",
    )
    export_dir: Path = Field(
        Path("var/exports"),
        description="Where subject-access exports wait for their one download (shared by "
        "every instance).",
    )
    export_link_lifetime: int = Field(
        900, ge=60, le=86_400, description="Seconds an export's download link works."
    )


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="External base URL used in links (photo URLs).")
    url_signing_key: SecretStr = Field(
        SecretStr(""),
        description="Key that signs photo URLs; share it between instances (random if unset).",
    )
    photo_url_lifetime: int = Field(3600, ge=60, description="Seconds a signed photo URL works.")
    graphiql: bool | None = Field(
        None,
        description="Serve GraphiQL at /graphql (default: on in the demo and tests, off in "
        "production).",
    )
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Largest request body accepted (else HTTP 413)."
    )
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a client may take to send a request's headers."
    )
    body_timeout: float = Field(
        10.0, gt=0, description="Seconds a client may take to send a request's body."
    )
    hsts_max_age: int = Field(
        31_536_000, ge=0, description="Strict-Transport-Security max-age when served over TLS."
    )
    ready_timeout: float = Field(
        2.0, gt=0, description="Seconds each source may take to answer a readiness check."
    )
    ready_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="Seconds a readiness result is reused, so frequent probes do not reach "
        "the upstreams (0: every /readyz checks).",
    )
    gc_threshold: int = Field(
        50_000,
        ge=0,
        description="Allocations between young-generation garbage collections once started "
        "(start-up objects are frozen out of collection); 0 leaves Python's defaults.",
    )
    metrics: bool = Field(
        True,
        description="Serve Prometheus metrics at /metrics, without sign-in: keep that path "
        "off the public network (see the README).",
    )


class LimitsSettings(BaseModel):
    """What one operation, one viewer and one writer may ask of Townhall."""

    max_depth: int = Field(12, ge=1, le=100, description="Deepest field nesting.")
    max_aliases: int = Field(30, ge=1, description="Aliased fields in one operation.")
    max_tokens: int = Field(4000, ge=100, description="Lexical tokens in one document.")
    max_cost: int = Field(
        20_000, ge=1, description="Largest estimated cost of one operation (see the README)."
    )
    max_objects: int = Field(
        50_000, ge=100, description="Values resolved in one operation before the rest fails."
    )
    max_response_bytes: int = Field(
        8_388_608, ge=1024, description="Largest response body (JSON bytes)."
    )
    operation_timeout: float = Field(
        20.0, gt=0, description="Seconds one operation may run before the rest of it fails."
    )
    budget_per_minute: int = Field(
        200_000, ge=0, description="Cost units each viewer may spend per minute (0: no budget)."
    )
    budget_storage: Literal["memory", "redis"] = Field(
        "memory",
        description="Where budgets are counted: per instance, or shared (cache.redis_url).",
    )
    comments_per_minute: int = Field(
        10, ge=1, description="Comments one person may post in any minute."
    )
    mentions_per_comment: int = Field(10, ge=0, description="@mentions one comment may notify.")
    trusted_documents: Literal["off", "allow", "registered_only"] = Field(
        "allow",
        description="`off`: no persisted operations; `allow`: registered operations and "
        "APQ by hash, any document too; `registered_only`: only registered operations run "
        "(analysts excepted).",
    )
    trusted_sources: list[Path] = Field(
        default_factory=list,
        description="More registered operations: folders or files of .graphql documents, or "
        "JSON manifests {sha256: document} (the typed client's operations are always "
        "registered).",
    )
    analyst_groups: list[str] = Field(
        default_factory=lambda: ["Townhall Analysts"],
        description="Directory groups whose members may send their own documents and use "
        "introspection in production.",
    )
    discovery: bool | None = Field(
        None,
        description="Introspection and field suggestions for everyone (default: on in the demo "
        "and tests, analysts only in production).",
    )


class Settings(BaseSettings):
    """All of Townhall's settings."""

    model_config = SettingsConfigDict(
        env_prefix="TOWNHALL_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    environment: Literal["production", "demo", "test"] = "production"
    directory: DirectorySettings = DirectorySettings()
    hr: HRSettings = HRSettings()
    documents: DocumentSettings = DocumentSettings()
    social: SocialSettings = SocialSettings()
    cache: CacheSettings = CacheSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    auth: AuthSettings = AuthSettings()
    access: AccessSettings = AccessSettings()
    retention: RetentionSettings = RetentionSettings()
    server: ServerSettings = ServerSettings()
    limits: LimitsSettings = LimitsSettings()
    live: LiveSettings = LiveSettings()
    digests: DigestSettings = DigestSettings()
    worker: WorkerSettings = WorkerSettings()
    log: LogSettings = LogSettings()  # read before the rest by gateway.logs
    tracing: TracingSettings = TracingSettings()

    @property
    def graphiql_enabled(self) -> bool:
        """GraphiQL is served: as set, else everywhere but production."""
        g = self.server.graphiql
        return g if g is not None else self.environment != "production"

    @property
    def discovery_for_all(self) -> bool:
        """Introspection and suggestions for every viewer: as set, else outside production."""
        d = self.limits.discovery
        return d if d is not None else self.environment != "production"

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.auth.dev_sign_in:
                raise ValueError("auth.dev_sign_in is refused outside the demo and tests")
            if self.directory.mode == "embedded":
                raise ValueError("directory.mode 'embedded' is for the demo; set 'ldap'")
            if self.directory.url.startswith("ldap://") and not (
                self.directory.start_tls or self.directory.allow_plain
            ):
                raise ValueError("plain ldap:// needs directory.start_tls (or allow_plain)")
            self.auth.refuse_unsafe_production()
            self.digests.refuse_unsafe_production(
                signing_key=bool(self.server.url_signing_key.get_secret_value())
            )
            self.worker.refuse_unsafe_production(
                signing_key=bool(self.server.url_signing_key.get_secret_value()),
                cache_backend=self.cache.backend,
                social_url=self.social.database_url,
                search_url=self.documents.search_database_url,
                documents=bool(self.documents.url) or self.documents.source == "folder",
            )
        return self


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, an optional JSON file, and overrides."""
    data: dict[str, Any] = {}
    file = os.environ.get("TOWNHALL_SETTINGS_FILE")
    if file:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    data.update(overrides)
    return Settings(**data)
