"""Root mutation fields of the auth domain: sign in and out, API keys."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.transactions import in_transaction

from crm_graphql.api import audit
from crm_graphql.api.audit import meta_from
from crm_graphql.api.auth import PUBLIC, allow_roles, authentication_error
from crm_graphql.api.context import Info
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.ids import decode_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.auth import services
from crm_graphql.domains.auth.models import ApiKey as ApiKeyModel
from crm_graphql.domains.auth.types import ApiKey, AuthSession, CreatedApiKey, LogoutResult
from crm_graphql.domains.users.models import User
from crm_graphql.domains.users.services import normalise_email

#: Logins refused before the password is checked.
REFUSALS = frozenset({ErrorCode.TOO_MANY_ATTEMPTS, ErrorCode.THROTTLED})


def _session(issued: services.IssuedSession) -> AuthSession:
    return AuthSession(
        access_token=issued.access_token,
        token_type="Bearer",
        expires_at=issued.access_token_expires_at,
        refresh_token=issued.refresh_token,
        refresh_token_expires_at=issued.refresh_token_expires_at,
        user=issued.user,
        email=issued.user.email,
        role=issued.user.role,
    )


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description=(
            "Sign in with e-mail and password. Fails with `INVALID_CREDENTIALS` (the same "
            "for an unknown e-mail and a wrong password); with `TOO_MANY_ATTEMPTS` after "
            "too many failures for the e-mail from the client's address (by default 5; "
            "then a wait that doubles with each further failure) or from the address for "
            "any e-mails (by default 20 within 15 minutes); with `THROTTLED` when the "
            "server is checking too many passwords at once. Needs no credentials."
        ),
        metadata=PUBLIC,
    )
    async def login(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The user's e-mail address.")],
        password: Annotated[str, strawberry.argument(description="The user's password.")],
    ) -> AuthSession | None:
        context = info.context
        meta = meta_from(context)
        try:
            issued = await services.login(
                context.settings, email, password, context.client_address, meta
            )
        except CrmError as failure:
            if failure.code in REFUSALS:
                # Refused without checking the password: counted, one audit event per
                # address and window (the table is append-only; a flood must not fill it).
                window = context.settings.login_window_minutes
                await services.record_refusal(context.client_address, window)
                raise
            # Who was tried is recorded only as a user ID, when such a user exists.
            target = await User.get_or_none(email=normalise_email(email)[:254])
            await audit.record(
                "auth.login_failed",
                meta,
                entity_type="User" if target else None,
                entity_id=target.pk if target else None,
                changes={"reason": str(failure.code)},
            )
            raise
        return _session(issued)

    @strawberry.mutation(
        description=(
            "Exchange a refresh token for a new access token and a new refresh token. Each "
            "refresh token works once: presenting a used one ends the whole session. Fails "
            "with `UNAUTHENTICATED`. Needs no credentials."
        ),
        metadata=PUBLIC,
    )
    async def refresh_token(
        self,
        info: Info,
        token: Annotated[
            str,
            strawberry.argument(description="The refresh token from `login` or the last refresh."),
        ],
    ) -> AuthSession | None:
        context = info.context
        issued = await services.refresh(
            context.settings, token, context.client_address, meta_from(context)
        )
        return _session(issued)

    @strawberry.mutation(
        description=(
            "Sign out: end the session of the access token used (its refresh token and its "
            "access tokens stop working), or every session of the user with "
            "`everywhere: true`."
        )
    )
    async def logout(
        self,
        info: Info,
        everywhere: Annotated[
            bool,
            strawberry.argument(description="End all of the user's sessions, on every device."),
        ] = False,
    ) -> LogoutResult | None:
        principal = info.context.principal
        if principal is None:
            raise authentication_error()
        async with in_transaction():
            ended = await services.logout(principal, everywhere=everywhere)
            await audit.record(
                "auth.logout",
                meta_from(info.context),
                entity_type="User",
                entity_id=principal.user_id,
                changes={"everywhere": everywhere, "ended_sessions": ended},
            )
        return LogoutResult(ended_sessions=ended)

    @strawberry.mutation(
        description="Create an API key for an integration; the answer is the only time the "
        "key is shown. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
    )
    async def create_api_key(
        self,
        info: Info,
        name: Annotated[
            str, strawberry.argument(description="What the key is for, e.g. `Shop sync`.")
        ],
        role: Annotated[
            Role, strawberry.argument(description="The role requests with the key act with.")
        ],
    ) -> CreatedApiKey | None:
        principal = info.context.principal
        created_by = principal.user_id if principal is not None else None
        async with in_transaction():
            key, secret = await services.create_api_key(name, role, created_by)
            await audit.record(
                "api_key.create",
                meta_from(info.context),
                entity_type="ApiKey",
                entity_id=key.pk,
                changes={"name": key.name, "role": str(role)},
            )
        return CreatedApiKey(key=secret, api_key=key)

    @strawberry.mutation(
        description="Revoke an API key: requests with it fail from now on. ADMIN only.",
        extensions=allow_roles(Role.ADMIN),
        graphql_type=ApiKey | None,
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the key.")],
    ) -> ApiKeyModel | None:
        key_id = decode_id(id, "ApiKey")
        async with in_transaction():
            key = await services.revoke_api_key(key_id)
            await audit.record(
                "api_key.revoke", meta_from(info.context), entity_type="ApiKey", entity_id=key_id
            )
        return key
