"""Who is asking: the request's principal, and the one gate every operation passes.

Authentication is a schema extension (:class:`Authentication`) that runs after the
document has been parsed and validated and before any resolver: it looks at the
operation's root fields and, unless every one of them is public, requires valid
credentials. A root field is public only when it says so (``metadata=PUBLIC``, for
``login`` and ``refreshToken``); a new root field is protected without doing anything.

Credentials are read from the HTTP request here; checking them against the database is
the auth domain's job (``crm_graphql.domains.auth.services.authenticate``), handed to
the extension when the schema is built.

Introspection: with ``CRM_PUBLIC_INTROSPECTION`` (the default) an operation that selects
only ``__schema``, ``__type`` and ``__typename`` needs no credentials, so that GraphiQL
can show the documentation before a token has been pasted; the schema is public in the
repository anyway. Mixed with any other field, credentials are required as usual.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from starlette.requests import Request
from strawberry.extensions import SchemaExtension
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from crm_graphql.api.availability import is_database_unavailable, unavailable_error
from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.api.roles import Role

if TYPE_CHECKING:
    from crm_graphql.settings import Settings

logger = logging.getLogger("crm_graphql.errors")

#: ``metadata`` of a root field that answers without credentials (login, refresh).
PUBLIC: Mapping[str, Any] = MappingProxyType({"crm_public": True})

#: Root fields of introspection, public when ``CRM_PUBLIC_INTROSPECTION`` is on.
INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "__typename"})

#: Prefix of every API key; a bearer token with it is a key, not a JWT.
API_KEY_PREFIX = "crm_"

#: The message of every authentication failure: the same whatever went wrong.
AUTHENTICATION_REQUIRED = "Authentication required."

#: True while the credentials of a request are being checked: tells the (one) SQL
#: statement of authentication apart from the operation's own statements, for
#: statement counts in tests and for logs.
authenticating: ContextVar[bool] = ContextVar("crm_authenticating", default=False)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request: a signed-in user or an API key.

    ``role`` comes from the database at the time of the request (not from the
    token), so a changed role applies from the next request on.
    """

    role: Role
    name: str
    user_id: int | None = None
    api_key_id: int | None = None
    #: The login session (refresh-token family) an access token belongs to.
    session_id: str | None = None

    @property
    def is_api_key(self) -> bool:
        """True when the caller is an integration using an API key."""
        return self.api_key_id is not None


@dataclass(frozen=True)
class Credentials:
    """What the request presented: an access token (JWT) or an API key."""

    secret: str
    is_api_key: bool
    #: Where the request came from, for the audit event of an API key's use.
    client_address: str | None = None
    request_id: str | None = None


def credentials_from(request: Request | None) -> Credentials | None:
    """The credentials of a request, or ``None`` when it has none or malformed ones.

    ``Authorization: Bearer <jwt>``, ``Authorization: Bearer crm_...`` or
    ``X-API-Key: crm_...``. Both headers at once are refused rather than guessed at.
    """
    if request is None:
        return None
    authorization = request.headers.get("authorization")
    api_key = request.headers.get("x-api-key")
    if authorization is not None and api_key is not None:
        return None
    client = request.client.host if request.client is not None else None
    request_id = getattr(request.state, "request_id", None)
    if api_key is not None:
        api_key = api_key.strip()
        return Credentials(api_key, True, client, request_id) if api_key else None
    if authorization is None:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return Credentials(value, value.startswith(API_KEY_PREFIX), client, request_id)


def authentication_error() -> CrmError:
    """The one answer to missing, invalid, expired or revoked credentials."""
    return CrmError(AUTHENTICATION_REQUIRED, ErrorCode.UNAUTHENTICATED)


def internal_error() -> CrmError:
    """The answer when checking credentials failed for a reason of the server's."""
    return CrmError("Internal server error.", ErrorCode.INTERNAL_SERVER_ERROR)


Authenticator = Callable[["Settings", Credentials], Awaitable[Principal | None]]


def _root_field_names(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[str]:
    """Names of the fields selected at the root, through fragments (ignoring @skip)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_field_names(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from _root_field_names(fragment.selection_set, fragments, seen | {name})


def public_root_fields(root: GraphQLObjectType | None) -> frozenset[str]:
    """The fields of a root type declared with ``metadata=PUBLIC`` (found once per
    type: every request asks, and a root type has hundreds of fields)."""
    if root is None:
        return frozenset()
    found = _PUBLIC_ROOT_FIELDS.get(root)
    if found is None:
        public = set()
        for name, field in root.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is not None and (definition.metadata or {}).get("crm_public"):
                public.add(name)
        found = _PUBLIC_ROOT_FIELDS[root] = frozenset(public)
    return found


#: Root type -> its public fields (types live as long as their schema).
_PUBLIC_ROOT_FIELDS: WeakKeyDictionary[GraphQLObjectType, frozenset[str]] = WeakKeyDictionary()


class Authentication(SchemaExtension):
    """Requires credentials for every operation that is not entirely public.

    Runs once per operation, before execution: an operation refused here runs no
    resolver and returns no data, only the ``UNAUTHENTICATED`` error. Documents that do
    not parse or validate have already been refused with their own error by then.
    """

    def __init__(self, *, authenticate: Authenticator, public_introspection: bool) -> None:
        self.authenticate = authenticate
        self.public_introspection = public_introspection

    def _is_public(self, operation: OperationDefinitionNode) -> bool:
        schema = self.execution_context.schema._schema
        root = schema.get_root_type(operation.operation)
        allowed = public_root_fields(root)
        if self.public_introspection:
            allowed |= INTROSPECTION_FIELDS
        else:
            allowed |= {"__typename"}
        document = self.execution_context.graphql_document
        fragments = {
            definition.name.value: definition
            for definition in (document.definitions if document is not None else ())
            if isinstance(definition, FragmentDefinitionNode)
        }
        names = set(_root_field_names(operation.selection_set, fragments))
        return names <= allowed

    async def _principal(self, settings: Settings, credentials: Credentials) -> Principal | None:
        token = authenticating.set(True)
        try:
            return await self.authenticate(settings, credentials)
        finally:
            authenticating.reset(token)

    async def on_execute(self) -> Any:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        operation = (
            get_operation_ast(document, execution.operation_name) if document is not None else None
        )
        # A principal already on the context comes from in-process callers (scripts,
        # jobs); the HTTP view never sets one.
        public = operation is not None and self._is_public(operation)
        if context.principal is None and not public:
            credentials = credentials_from(context.request)
            try:
                principal = (
                    await self._principal(context.settings, credentials) if credentials else None
                )
            except Exception as fault:  # a fault (lost database connection): reveal nothing
                principal, error = None, internal_error()
                if is_database_unavailable(fault):
                    logger.warning("checking credentials failed: database unavailable: %s", fault)
                    error = unavailable_error(getattr(context, "request_id", None))
                else:
                    logger.exception("checking credentials failed")
            else:
                error = authentication_error()
            if principal is None:
                # Setting the result skips execution: no resolver runs.
                execution.result = ExecutionResult(data=None, errors=[error])
            else:
                context.principal = principal
        yield


class RolesAllowed(BasePermission):
    """Only the given roles may use the field; others get ``FORBIDDEN``."""

    message = "Your role may not do this."
    error_extensions = {"code": str(ErrorCode.FORBIDDEN)}

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal: Principal | None = info.context.principal
        return principal is not None and principal.role in self.roles


def allow_roles(*roles: Role) -> list[FieldExtension]:
    """Field ``extensions`` that let only ``roles`` use the field (declared on the field).

    Example: ``@strawberry.mutation(extensions=allow_roles(Role.ADMIN), ...)``.
    """
    return [PermissionExtension(permissions=[RolesAllowed(*roles)], use_directives=False)]


def address_bucket(address: str | None) -> str | None:
    """The key a client address is throttled by: an IPv4 address as it is, an IPv6
    address by its /64 network (one subscriber usually holds a whole /64, so counting
    single IPv6 addresses would let one client pose as billions)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:45]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
