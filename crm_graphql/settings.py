"""One typed settings object, read once from the ``CRM_*`` environment variables."""

from __future__ import annotations

import ipaddress
import math
import re
import zlib
from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "CRM_"

#: Shortest accepted ``CRM_JWT_SECRET``, in bytes (HS256 keys shorter than the hash
#: output, 32 bytes, weaken it; RFC 7518 section 3.2).
MIN_JWT_SECRET_BYTES = 32
#: Least estimated entropy of ``CRM_JWT_SECRET``, in bits. 48 random URL-safe bytes give
#: about 340 by this estimate, 32 random bytes in hex about 250; ``aaaa...`` or a
#: repeated word give less than 100.
MIN_JWT_SECRET_BITS = 160


def estimated_entropy_bits(secret: str) -> float:
    """A pessimistic estimate of the entropy of ``secret``, in bits: the smaller of its
    character entropy (Shannon, times its length) and the size of its deflate
    compression (which sees repeated words that the character counts do not)."""
    data = secret.encode()
    if not data:
        return 0.0
    total = len(data)
    shannon = -sum(n / total * math.log2(n / total) for n in Counter(data).values()) * total
    # zlib adds a 2-byte header and a 4-byte checksum; the deflate block needs a few bits.
    compressed = (len(zlib.compress(data, 9)) - 8) * 8
    return max(0.0, min(shannon, float(compressed)))


class SettingsError(ValueError):
    """A configuration value is wrong; the message names the environment variable."""


class Settings(BaseSettings):
    """Server configuration. Every field is read from ``CRM_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite://./crm.sqlite3",
        description="sqlite://PATH (embedded) or mysql://user:pass@host:3306/db",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="HTTP port.")
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")
    db_pool_min: int = Field(default=1, ge=0, le=200, description="MySQL pool minimum size.")
    db_pool_max: int = Field(default=10, ge=1, le=500, description="MySQL pool maximum size.")
    db_pool_recycle: int = Field(
        default=3600, ge=-1, description="Seconds after which pooled MySQL connections reconnect."
    )
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    default_page_size: int = Field(default=20, ge=1, le=1000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_query_depth: int = Field(default=10, ge=2, le=50)
    graphiql: bool = Field(default=True, description="Serve the GraphiQL explorer on GET.")
    phone_region: str = Field(
        default="US",
        pattern=r"^[A-Z]{2}$",
        description="Region (ISO 3166-1 alpha-2) of phone numbers given without +country.",
    )
    base_currency: str = Field(
        default="USD",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 currency of single-currency totals such as lifetimeValue.",
    )
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 key of access tokens, at least 32 bytes; required to serve.",
    )
    jwt_issuer: str = Field(default="crm-graphql", min_length=1, description="`iss` claim.")
    jwt_audience: str = Field(default="crm-graphql-api", min_length=1, description="`aud` claim.")
    jwt_leeway_seconds: int = Field(
        default=30, ge=0, le=300, description="Clock skew allowed when checking `exp`."
    )
    access_token_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Lifetime of an access token."
    )
    refresh_token_days: int = Field(
        default=30, ge=1, le=365, description="Lifetime of a refresh token (renewed on use)."
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed logins of one e-mail from one address before it must wait.",
    )
    login_max_failures_per_address: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Failed logins from one address (IPv6: /64), for any e-mails, per window.",
    )
    login_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Window of the login throttle."
    )
    login_max_password_checks: int = Field(
        default=1,
        ge=0,
        le=1000,
        description="Password checks (argon2) one process runs at once; a further login "
        "waits up to 1 s for its turn, then is answered THROTTLED without hashing (0: no cap).",
    )
    refresh_grace_seconds: int = Field(
        default=10,
        ge=0,
        le=300,
        description="A refresh token presented again this soon after its exchange, for the "
        "same session, is exchanged once more instead of ending the session as reuse.",
    )
    session_purge_minutes: float = Field(
        default=60.0,
        ge=0,
        le=7 * 24 * 60,
        description="How often the server deletes expired sessions, refresh tokens and login "
        "attempts (0: never; `crm-graphql purge-sessions` does it on demand).",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks (comma-separated) of reverse proxies whose "
        "X-Forwarded-For is believed; none by default.",
    )
    public_introspection: bool = Field(
        default=True,
        description="Answer introspection-only operations without credentials (GraphiQL).",
    )

    # -- dashboards and aggregates ------------------------------------------------------
    cache_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 to cache dashboard views for a few seconds; "
        "unset: no cache.",
    )
    cache_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="How long a cached dashboard view is reused."
    )
    cache_key_prefix: str = Field(
        default="crm:",
        max_length=100,
        description="Prefix of the cache's Redis keys (to share one Redis between deployments).",
    )
    analytics_max_periods: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Periods one time series (revenue, new customers) may have.",
    )
    analytics_default_groups: int = Field(
        default=100, ge=1, le=100_000, description="Groups an aggregate returns by default."
    )
    analytics_max_groups: int = Field(
        default=1000, ge=1, le=100_000, description="Groups an aggregate may return at most."
    )
    analytics_rollups: bool = Field(
        default=True,
        description="Answer aggregates from the rollup tables when they give the same answer "
        "(off: always from the records; the rollups are kept up to date either way).",
    )

    @field_validator("cache_url", mode="before")
    @classmethod
    def _cache_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    # -- customer service ----------------------------------------------------------------
    support_reopen_days: int = Field(
        default=7, ge=0, le=3650, description="Days a SOLVED ticket may be reopened."
    )
    survey_token_days: int = Field(
        default=14, ge=1, le=365, description="Days a satisfaction-survey token stays valid."
    )
    lead_form_submissions_per_minute: int = Field(
        default=10, ge=0, description="Web-form submissions one address may make per minute."
    )
    lead_form_max_bytes: int = Field(
        default=16 * 1024, ge=1024, le=1024 * 1024, description="Largest web-form submission."
    )

    # -- query limits, cost, rate limits, persisted queries --------------------------------
    # A limit set to 0 is off (the benchmark of the limits compares against that).
    max_aliases: int = Field(default=30, ge=0, description="Aliases in one document.")
    max_root_fields: int = Field(default=20, ge=0, description="Root fields of one operation.")
    max_query_fields: int = Field(
        default=2000,
        ge=0,
        description="Selections of one document once its fragments are expanded (fragment bombs).",
    )
    max_query_tokens: int = Field(
        default=5000, ge=0, description="Tokens (names, punctuation) in one document."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body; more is HTTP 413."
    )
    max_batch_operations: int = Field(
        default=0, ge=0, le=100, description="Operations in one batched request; 0 refuses batches."
    )
    max_query_cost: int = Field(
        default=50_000, ge=0, description="Largest worst-case node count of one operation."
    )
    cost_list_size: int = Field(
        default=10, ge=1, le=1000, description="Assumed length of a list without first/last."
    )
    rate_limit_cost_per_minute: int = Field(
        default=1_000_000, ge=0, description="Query cost one user, API key or address may spend."
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0: rate budgets and persisted queries shared."
    )
    redis_key_prefix: str = Field(default="crm:", description="Prefix of every Redis key.")
    request_timeout_seconds: float = Field(
        default=10.0, ge=0, description="Longest execution of one operation (and SQL statement)."
    )
    introspection: bool = Field(default=True, description="Answer introspection at all.")
    header_timeout_seconds: float = Field(
        default=10.0,
        ge=0,
        description="Time a request's headers may take to arrive; then 408 (0: no limit).",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Time a request's body may take to arrive after its headers (0: no limit).",
    )
    max_concurrent_operations: int = Field(
        default=16,
        ge=0,
        le=10_000,
        description="Operations one process executes at once; more wait their turn (0: no cap).",
    )
    persisted_queries: bool = Field(
        default=True, description="Automatic persisted queries (Apollo's sha256Hash protocol)."
    )
    allowed_queries: str | None = Field(
        default=None,
        description="JSON file (hash to document) or folder of .graphql files: only these run.",
    )

    # -- operations: HTTP, CORS, metrics, logs ---------------------------------------------
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="Log lines as one JSON object each (json) or as plain text (text).",
    )
    shutdown_timeout: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="Seconds in-flight requests get to finish after SIGTERM before they are cut.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (comma-separated); none by default.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for /metrics; unset: /metrics is refused unless "
        "CRM_METRICS_ALLOW_LOOPBACK is true.",
    )
    metrics_allow_loopback: bool = Field(
        default=False,
        description="Without CRM_METRICS_TOKEN, answer /metrics to loopback clients (safe only "
        "when no reverse proxy runs on the same host, or it is in CRM_TRUSTED_PROXIES).",
    )

    # -- events: outbox, subscribers, scheduled events, the job queue -----------------------
    broker_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 or amqp://user:pass@host:5672/ : the job queue the "
        "worker (`crm-graphql worker`) consumes; unset: the server runs subscribers itself.",
    )
    broker_queue: str = Field(
        default="crm-events",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Queue name (RabbitMQ) or stream key (Redis) of the job queue.",
    )
    events_in_process: bool = Field(
        default=True,
        description="Without a broker, the server relays the outbox and runs subscribers "
        "itself (false: nothing runs them until a worker is started).",
    )
    events_concurrency: int = Field(
        default=10, ge=1, le=1000, description="Subscriber runs one process executes at once."
    )
    events_batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Events the relay moves in one transaction."
    )
    events_poll_seconds: float = Field(
        default=0.2, gt=0, le=60, description="How often an idle relay looks for new events."
    )
    events_scheduler_max_sleep_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Longest sleep of the scheduler before it looks again for due events and "
        "retries (it sleeps until the next due time when that is sooner).",
    )
    events_max_attempts: int = Field(
        default=8, ge=1, le=1000, description="Attempts of a subscriber run before it fails."
    )
    events_retry_base_seconds: float = Field(
        default=2.0, gt=0, le=86_400, description="Delay before the first retry (then doubled)."
    )
    events_retry_max_seconds: float = Field(
        default=3600.0, gt=0, le=7 * 86_400, description="Longest delay between two retries."
    )
    events_handler_timeout_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Longest run of one subscriber on one event."
    )
    events_redelivery_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="A run handed to the queue and not finished after this long is handed "
        "to it again (a lost message, a killed worker); longer than the longest run.",
    )
    events_subscriber_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="More modules declaring subscribers, comma-separated (plug-ins, tests); "
        "the server without a broker and the worker import them.",
    )
    events_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days finished events are kept before purging."
    )
    invoice_issuer: str = Field(
        default="CRM GraphQL Demo Ltd|1 Example Street|10115 Berlin|Germany",
        min_length=1,
        description="Name and address printed on invoices as their issuer, lines separated by |.",
    )

    # -- privacy requests ---------------------------------------------------------------------
    invoice_retention_years: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Years an issued invoice (and the customer's data on it) must be kept after "
        "its issue date (commercial and tax law: e.g. 10 years in Germany, 6 in the UK); "
        "`erasePersonalData` is refused while a customer has an invoice that young.",
    )

    # -- integration: outbound webhooks, CSV import and export ------------------------------
    webhook_allow_loopback: bool = Field(
        default=False,
        description="Let webhook endpoints resolve to loopback addresses (tests and local "
        "development only; private, link-local and metadata addresses stay refused).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest wait for a webhook receiver's answer."
    )
    webhook_retry_hours: float = Field(
        default=24.0, gt=0, le=24 * 7, description="How long a webhook delivery is retried."
    )
    webhook_disable_after_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 30,
        description="An endpoint whose deliveries fail this long without one success is disabled.",
    )
    import_batch_rows: int = Field(
        default=5000,
        ge=1,
        le=50_000,
        description="Rows of a CSV import validated and written per transaction.",
    )
    import_dir: str = Field(
        default="./crm-imports",
        description="Folder where uploaded CSV files wait for their import job (shared by "
        "the servers and the workers).",
    )

    # -- the read path ------------------------------------------------------------------
    gc_freeze: bool = Field(
        default=True,
        description="After start-up, move every object made so far (modules, schema, "
        "configuration) out of the cyclic garbage collector's reach (gc.freeze).",
    )
    gc_threshold: int = Field(
        default=50_000,
        ge=0,
        le=10_000_000,
        description="Allocations between two young-generation collections of the cyclic "
        "garbage collector (Python's default: 700); 0 keeps the interpreter's thresholds.",
    )
    fast_json: bool = Field(
        default=True,
        description="Encode responses with orjson (falling back to the standard library "
        "where its bytes could differ); the same bytes either way.",
    )
    planned_reads: bool = Field(
        default=True,
        description="Lists read only the columns a request needs (the standard path reads "
        "whole rows); the answers are the same.",
    )

    @field_validator("events_subscriber_modules", mode="before")
    @classmethod
    def _split_modules(cls, value: object) -> object:
        if isinstance(value, str):
            return [module.strip() for module in value.split(",") if module.strip()]
        return value

    @field_validator("events_subscriber_modules")
    @classmethod
    def _modules_are_dotted_names(cls, value: list[str]) -> list[str]:
        for module in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", module):
                raise ValueError(f"{module!r} is not a module name such as myplugin.tasks")
        return value

    @field_validator("broker_url", mode="before")
    @classmethod
    def _broker_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        schemes = ("redis://", "rediss://", "amqp://", "amqps://")
        if isinstance(value, str) and not value.startswith(schemes):
            raise ValueError("must start with redis://, rediss://, amqp:// or amqps://")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not re.fullmatch(r"https?://[^/?#\s]+", origin):
                raise ValueError(f"{origin!r} is not an origin such as https://crm.example.com")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [proxy.strip() for proxy in value.split(",") if proxy.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is not an IP address or network such as 10.0.0.5 or 10.0.0.0/24"
                ) from None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "mysql://")):
            raise ValueError("must start with sqlite:// or mysql://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _pool_order(self) -> Settings:
        if self.db_pool_min > self.db_pool_max:
            raise ValueError("CRM_DB_POOL_MIN must not exceed CRM_DB_POOL_MAX")
        if self.default_page_size > self.max_page_size:
            raise ValueError("CRM_DEFAULT_PAGE_SIZE must not exceed CRM_MAX_PAGE_SIZE")
        if self.events_retry_base_seconds > self.events_retry_max_seconds:
            raise ValueError(
                "CRM_EVENTS_RETRY_BASE_SECONDS must not exceed CRM_EVENTS_RETRY_MAX_SECONDS"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.database_url.startswith("sqlite://")

    def validate_for_serving(self) -> None:
        """Refuse settings a server must not run with (checked when the app is built).

        Loading settings does not require a secret, so that commands such as
        ``migrate`` work without one; serving does.
        """
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if not secret:
            raise SettingsError(
                f"{ENV_PREFIX}JWT_SECRET is not set: the server signs access tokens with it. "
                f"Set it to a random value of at least {MIN_JWT_SECRET_BYTES} bytes, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if len(secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise SettingsError(
                f"{ENV_PREFIX}JWT_SECRET is too short: at least {MIN_JWT_SECRET_BYTES} bytes "
                "are required."
            )
        if estimated_entropy_bits(secret) < MIN_JWT_SECRET_BITS:
            raise SettingsError(
                f"{ENV_PREFIX}JWT_SECRET is not random enough (repeated or predictable "
                "characters): anyone who guesses it can sign tokens for any user. Use a "
                "random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment; ``overrides`` win over it.

    Raises :class:`SettingsError` naming the variable when a value is wrong.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            label = f"{ENV_PREFIX}{name.upper()}" if name else "configuration"
            problems.append(f"{label}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
