"""Configuration: read from CRM_* variables; a wrong value names its variable."""

from __future__ import annotations

import pytest

from crm_graphql.settings import SettingsError, load_settings


def test_defaults_run_on_embedded_sqlite(monkeypatch):
    for name in ("CRM_DATABASE_URL", "CRM_PORT", "CRM_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite://./crm.sqlite3"
    assert settings.is_sqlite
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", "mysql://crm:secret@db:3306/crm")
    monkeypatch.setenv("CRM_PORT", "9000")
    monkeypatch.setenv("CRM_DB_POOL_MAX", "25")
    monkeypatch.setenv("CRM_LOG_LEVEL", "WARNING")
    settings = load_settings()
    assert not settings.is_sqlite
    assert settings.port == 9000
    assert settings.db_pool_max == 25
    assert settings.log_level == "warning"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CRM_PORT", "eighty"),
        ("CRM_PORT", "70000"),
        ("CRM_DATABASE_URL", "postgres://x/y"),
        ("CRM_DB_POOL_MAX", "0"),
        ("CRM_LOG_LEVEL", "loud"),
        ("CRM_BASE_CURRENCY", "euro"),
    ],
)
def test_wrong_value_fails_with_the_variable_name(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)


def test_pool_minimum_above_maximum_is_refused(monkeypatch):
    monkeypatch.setenv("CRM_DB_POOL_MIN", "20")
    monkeypatch.setenv("CRM_DB_POOL_MAX", "5")
    with pytest.raises(SettingsError, match="CRM_DB_POOL_MIN"):
        load_settings()
