"""A guessable ``CRM_JWT_SECRET`` lets anyone sign tokens for any user: the server
refuses to start with one, however long it is."""

from __future__ import annotations

import secrets

import pytest

from crm_graphql.app import create_app
from crm_graphql.settings import SettingsError, estimated_entropy_bits, load_settings
from tests.server import start_serve

LOW_ENTROPY = [
    "a" * 64,
    "changeme" * 4,
    "changemechangemechangemechangemechangeme!",
    "0" * 31 + "1",
]


@pytest.mark.parametrize("secret", LOW_ENTROPY)
def test_server_refuses_a_long_but_guessable_jwt_secret(secret, tmp_path):
    assert len(secret.encode()) >= 32  # the length check alone would accept it
    settings = load_settings(database_url=f"sqlite://{tmp_path / 'x.sqlite3'}", jwt_secret=secret)
    with pytest.raises(SettingsError, match="CRM_JWT_SECRET is not random enough"):
        create_app(settings)


def test_serve_command_refuses_a_repeated_word_as_jwt_secret(tmp_path):
    process = start_serve(tmp_path, CRM_JWT_SECRET="changeme" * 6)
    assert process.wait(timeout=60) == 2
    output = (tmp_path / "server.log").read_text()
    assert "not random enough" in output and "Traceback" not in output


@pytest.mark.parametrize(
    "secret", [secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(32)]
)
def test_random_secrets_are_accepted(secret, tmp_path):
    assert estimated_entropy_bits(secret) >= 160
    settings = load_settings(database_url=f"sqlite://{tmp_path / 'x.sqlite3'}", jwt_secret=secret)
    settings.validate_for_serving()
