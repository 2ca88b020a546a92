"""Every operation but login and refreshToken needs valid credentials; every kind of bad
token gets the same answer, and no resolver runs for it."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
import warnings
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from crm_graphql.api.roles import Role
from crm_graphql.app import create_app
from crm_graphql.domains.auth.models import ApiKey, LoginAttempt
from crm_graphql.domains.users.models import User
from crm_graphql.settings import SettingsError, load_settings
from tests.auth.documents import CREATE_API_KEY, LOGIN, ME, UNAUTHENTICATED, USERS
from tests.conftest import TEST_JWT_SECRET
from tests.factories import make_customer
from tests.helpers import count_statements


def _claims(user: User, session_id: str, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user.pk),
        "sid": session_id,
        "role": str(user.role),
        "iat": now,
        "exp": now + timedelta(minutes=15),
        "iss": "crm-graphql",
        "aud": "crm-graphql-api",
        "jti": uuid.uuid4().hex,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(int(claims["sub"]) + 1)  # become someone else
    return f"{header}.{_b64(claims)}.{signature}"


def _alg_none(claims: dict[str, object]) -> str:
    data = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(data)}."


BAD_TOKENS = [
    "expired",
    "tampered payload",
    "wrong key",
    "alg none",
    "wrong audience",
    "wrong issuer",
    "no expiry",
    "unknown session",
    "garbage",
    "another algorithm",
]


def _bad_token(kind: str, user: User, session_id: str, good: str) -> str:
    sign = lambda claims, key=TEST_JWT_SECRET: jwt.encode(claims, key, algorithm="HS256")  # noqa: E731
    past = datetime.now(UTC) - timedelta(hours=1)
    if kind == "expired":
        return sign(_claims(user, session_id, iat=past, exp=past + timedelta(minutes=15)))
    if kind == "tampered payload":
        return _tampered(good)
    if kind == "wrong key":
        return sign(_claims(user, session_id), "another-secret-of-at-least-32-bytes!!")
    if kind == "alg none":
        return _alg_none(_claims(user, session_id))
    if kind == "wrong audience":
        return sign(_claims(user, session_id, aud="some-other-api"))
    if kind == "wrong issuer":
        return sign(_claims(user, session_id, iss="someone-else"))
    if kind == "no expiry":
        claims = _claims(user, session_id)
        del claims["exp"]
        return sign(claims)
    if kind == "unknown session":
        return sign(_claims(user, str(uuid.uuid4())))
    if kind == "garbage":
        return "not-a-token"
    if kind == "another algorithm":
        with warnings.catch_warnings():  # PyJWT warns that the key is short for HS512
            warnings.simplefilter("ignore")
            return jwt.encode(_claims(user, session_id), TEST_JWT_SECRET, algorithm="HS512")
    raise AssertionError(kind)


async def _refused(client, query: str = USERS, variables=None) -> None:
    with count_statements() as statements:
        body = await client.execute(query, variables)
    assert body == UNAUTHENTICATED
    assert statements == [], "a resolver ran for a refused request"


async def test_request_without_credentials_is_refused_before_any_resolver(anon, db):
    await make_customer()
    client = await anon()
    await _refused(client)
    await _refused(client, "{ customers { nodes { email } } }")
    await _refused(client, ME)


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_bad_access_token_gets_the_same_answer_as_none(kind, gql_as, client_factory, db):
    signed_in = await gql_as(Role.ADMIN)
    # The good token works...
    assert (await signed_in.data(ME))["me"]["role"] == "ADMIN"
    session_id = jwt.decode(signed_in.access_token, options={"verify_signature": False})["sid"]
    token = _bad_token(kind, signed_in.user, session_id, signed_in.access_token)
    # ...and the bad one, of the same user and session, does not.
    client = await client_factory(headers={"Authorization": f"Bearer {token}"})
    await _refused(client)


async def test_token_expired_within_the_clock_skew_leeway_still_works(gql_as, client_factory, db):
    signed_in = await gql_as(Role.SALES)
    claims = jwt.decode(signed_in.access_token, options={"verify_signature": False})
    now = datetime.now(UTC)
    claims.update(iat=now - timedelta(minutes=15), exp=now - timedelta(seconds=10))
    token = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    client = await client_factory(headers={"Authorization": f"Bearer {token}"})
    assert (await client.data(ME))["me"]["role"] == "SALES"


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer"},
        {"Authorization": "Token abc"},
        {"X-API-Key": ""},
        {"X-API-Key": "crm_not-a-key"},
        {"Authorization": "Bearer crm_not-a-key"},
    ],
)
async def test_malformed_or_unknown_credentials_are_refused(headers, client_factory, db):
    await _refused(await client_factory(headers=headers))


async def test_both_credential_headers_at_once_are_refused(gql, client_factory, db):
    created = await gql.data(CREATE_API_KEY, {"name": "Shop", "role": "ADMIN"})
    key = created["createApiKey"]["key"]
    client = await client_factory(
        headers={"Authorization": f"Bearer {gql.access_token}", "X-API-Key": key}
    )
    await _refused(client)


async def test_deactivated_users_token_stops_working_at_the_next_request(gql_as, db):
    client = await gql_as(Role.SUPPORT)
    assert (await client.data(ME))["me"]["role"] == "SUPPORT"
    await User.filter(pk=client.user.pk).update(is_active=False)
    await _refused(client, ME)


async def test_role_changes_apply_from_the_next_request(gql_as, db):
    client = await gql_as(Role.SALES)
    await User.filter(pk=client.user.pk).update(role=Role.ANALYST)
    assert (await client.data(ME))["me"]["role"] == "ANALYST"


async def test_mutations_need_credentials_and_change_nothing_without(anon, db):
    client = await anon()
    await _refused(client, CREATE_API_KEY, {"name": "Sneaky", "role": "ADMIN"})
    assert await ApiKey.all().count() == 0


async def test_a_public_field_does_not_open_the_door_for_others_in_the_operation(anon, db):
    client = await anon()
    mixed = """mutation { login(email: "a@example.com", password: "x") { accessToken }
                          createApiKey(name: "k", role: ADMIN) { key } }"""
    await _refused(client, mixed)
    # Not even the public part ran: no login attempt was made.
    assert await LoginAttempt.all().count() == 0
    in_fragment = "query { ...Everything } fragment Everything on Query { users { totalCount } }"
    await _refused(client, in_fragment)
    inline = "query { __typename ... on Query { users { totalCount } } }"
    await _refused(client, inline)
    introspection_and_data = "{ __schema { queryType { name } } users { totalCount } }"
    await _refused(client, introspection_and_data)


async def test_one_authentication_statement_per_request_whatever_the_query(gql, db):
    for _ in range(3):
        await make_customer()
    query = "{ customers { nodes { id } } users { nodes { id } } me { name } }"
    with count_statements(include_authentication=True) as everything:
        await gql.data(query)
    with count_statements() as operation:
        await gql.data(query)
    assert len(everything) == len(operation) + 1


async def test_introspection_is_public_by_default(anon, db):
    client = await anon()
    data = await client.data("{ __schema { queryType { name } mutationType { name } } }")
    assert data["__schema"] == {
        "queryType": {"name": "Query"},
        "mutationType": {"name": "Mutation"},
    }
    assert (await client.data('{ __type(name: "Viewer") { name } }'))["__type"]["name"] == "Viewer"


async def test_introspection_needs_credentials_when_not_public(db):
    import httpx

    settings = db.settings.model_copy(update={"public_introspection": False})
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://crm.test") as http:
        response = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert response.status_code == 200
        assert response.json() == UNAUTHENTICATED
        # Login still works without credentials.
        response = await http.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"email": "x@example.com", "password": "y"}},
        )
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CREDENTIALS"


async def test_unauthenticated_answer_is_http_200(anon, db):
    client = await anon()
    response = await client.http.post("/graphql", json={"query": USERS})
    assert response.status_code == 200
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize("secret", [None, "", "too-short-secret"])
def test_app_refuses_to_start_without_a_strong_secret(secret, tmp_path):
    from crm_graphql.settings import load_settings

    settings = load_settings(database_url=f"sqlite://{tmp_path / 'x.sqlite3'}", jwt_secret=secret)
    with pytest.raises(SettingsError, match="CRM_JWT_SECRET"):
        create_app(settings)


async def test_fault_while_checking_credentials_is_masked_and_logged(gql, monkeypatch, caplog):
    from crm_graphql.api.keyed import read_connection
    from crm_graphql.domains.auth.models import TokenFamily

    async def broken(self, *args, **kwargs):
        raise RuntimeError("lost connection to mysql://admin:hunter2@db")

    # The connection fails the credentials' statement (the first of the request).
    monkeypatch.setattr(type(read_connection(TokenFamily)), "execute_query_dict", broken)
    with caplog.at_level(logging.ERROR, logger="crm_graphql.errors"):
        body = await gql.execute(USERS)
    assert body == {
        "data": None,
        "errors": [
            {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ],
    }
    assert any("hunter2" in str(record.exc_info) for record in caplog.records)


async def test_a_token_accepted_before_is_refused_once_it_expires(gql_as, client_factory, db):
    # Verified tokens are kept (domains.auth.tokens): a kept one still expires on time.
    signed_in = await gql_as(Role.SALES)
    leeway = load_settings().jwt_leeway_seconds
    claims = jwt.decode(signed_in.access_token, options={"verify_signature": False})
    now = datetime.now(UTC)
    claims.update(exp=now - timedelta(seconds=leeway) + timedelta(seconds=2))
    token = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    client = await client_factory(headers={"Authorization": f"Bearer {token}"})
    assert (await client.data(ME))["me"]["role"] == "SALES"
    assert (await client.data(ME))["me"]["role"] == "SALES"
    await asyncio.sleep(2.5)
    await _refused(client)
