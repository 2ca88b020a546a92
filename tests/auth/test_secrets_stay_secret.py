"""Passwords and their hashes never leave the server, in answers or in logs."""

from __future__ import annotations

import logging

from graphql import GraphQLObjectType

from crm_graphql.api.roles import Role
from crm_graphql.domains.users.models import User
from crm_graphql.schema import build_schema
from tests.auth.documents import LOGIN, REFRESH
from tests.factories import gid, make_user

PASSWORD = "never-shown-password-42"


async def test_no_response_contains_a_password_or_its_hash(anon, gql, caplog, db):
    user = await make_user(Role.SALES, password=PASSWORD, email="quiet@example.com")
    password_hash = (await User.get(pk=user.pk)).password_hash
    client = await anon()
    with caplog.at_level(logging.DEBUG):
        bodies = [
            await client.execute(LOGIN, {"email": "quiet@example.com", "password": PASSWORD}),
            await client.execute(LOGIN, {"email": "quiet@example.com", "password": PASSWORD + "x"}),
            await client.execute(LOGIN, {"email": "nobody@example.com", "password": PASSWORD}),
        ]
    refresh_token = bodies[0]["data"]["login"]["refreshToken"]
    bodies.append(await client.execute(REFRESH, {"token": refresh_token}))
    bodies.append(
        await gql.execute("{ users { nodes { id name email role isActive createdAt } } }")
    )
    bodies.append(
        await gql.execute(
            "query($id: ID!) { node(id: $id) { ... on User { name } } }", {"id": gid(user)}
        )
    )
    text = str(bodies)
    assert PASSWORD not in text
    assert "$argon2" not in text and password_hash not in text
    assert PASSWORD not in caplog.text


def test_no_output_type_has_a_password_field():
    schema = build_schema()._schema
    fields = [
        f"{name}.{field}"
        for name, gtype in schema.type_map.items()
        if isinstance(gtype, GraphQLObjectType) and not name.startswith("__")
        for field in gtype.fields
        if "password" in field.lower() or "hash" in field.lower()
    ]
    assert fields == []
