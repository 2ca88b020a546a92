"""One typed settings object, read once from the ``CRM_*`` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CRM_"

#: Shortest accepted ``CRM_JWT_SECRET``, in bytes (HS256 keys shorter than the hash
#: output, 32 bytes, weaken it; RFC 7518 section 3.2).
MIN_JWT_SECRET_BYTES = 32


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
        default=5, ge=1, le=1000, description="Failed logins per e-mail or address per window."
    )
    login_window_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="Window of the login throttle."
    )
    public_introspection: bool = Field(
        default=True,
        description="Answer introspection-only operations without credentials (GraphiQL).",
    )

    # -- dashboards and aggregates ------------------------------------------------------

    # -- query limits, cost, rate limits, persisted queries --------------------------------

    # -- operations: HTTP, CORS, metrics, logs ---------------------------------------------

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


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment; ``overrides`` win over it.

    Raises :class:`SettingsError` naming the variable when a value is wrong.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            label = f"{ENV_PREFIX}{name.upper()}" if name else "configuration"
            problems.append(f"{label}: {error['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
