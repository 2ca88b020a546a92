"""``crm-graphql create-user``: the first ADMIN, from a terminal or a script."""

from __future__ import annotations

import asyncio
import os
import sys

from crm_graphql.api.roles import Role
from crm_graphql.domains.users.models import User
from tests.auth.documents import LOGIN

PASSWORD = "first-admin-password"


async def _create_user(db, *args: str, stdin: str, extra_env: dict[str, str] | None = None):
    """Run ``crm-graphql create-user`` in a subprocess against the test's database."""
    env = {**os.environ, "CRM_DATABASE_URL": db.settings.database_url, **(extra_env or {})}
    env.pop("CRM_JWT_SECRET", None)  # managing users needs no token secret
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from crm_graphql.cli import main; main()",
        "create-user",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate(stdin.encode())
    return process.returncode, (out + err).decode()


async def test_create_user_reads_the_password_from_stdin_and_the_user_can_log_in(anon, db):
    code, output = await _create_user(
        db,
        "--email",
        "Boss@Example.com",
        "--name",
        "Bea Boss",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, output
    assert "created ADMIN user boss@example.com" in output
    assert PASSWORD not in output
    user = await User.get(email="boss@example.com")
    assert (user.name, user.role) == ("Bea Boss", Role.ADMIN)
    assert user.password_hash.startswith("$argon2id$")
    client = await anon()
    data = await client.data(LOGIN, {"email": "boss@example.com", "password": PASSWORD})
    assert data["login"]["role"] == "ADMIN"


async def test_create_user_reads_a_piped_password_without_the_flag(db):
    code, output = await _create_user(
        db, "--email", "piped@example.com", "--name", "Pip", "--role", "SALES", stdin=PASSWORD
    )
    assert code == 0, output
    assert (await User.get(email="piped@example.com")).role == Role.SALES


async def test_create_user_refuses_a_duplicate_email(db):
    args = ("--email", "dup@example.com", "--name", "Dup", "--role", "SALES", "--password-stdin")
    assert (await _create_user(db, *args, stdin=PASSWORD))[0] == 0
    code, output = await _create_user(
        db, "--email", "DUP@example.com", "--name", "Dup", "--role", "ADMIN", stdin=PASSWORD
    )
    assert code == 1
    assert "already exists" in output
    assert await User.filter(email="dup@example.com").count() == 1


async def test_create_user_refuses_a_short_password_and_an_unknown_role(db):
    code, output = await _create_user(
        db, "--email", "x@example.com", "--name", "X", "--role", "SALES", stdin="short"
    )
    assert code == 1 and "password" in output
    code, output = await _create_user(
        db, "--email", "x@example.com", "--name", "X", "--role", "WIZARD", stdin=PASSWORD
    )
    assert code == 2 and "WIZARD" in output
    assert await User.filter(email="x@example.com").count() == 0
