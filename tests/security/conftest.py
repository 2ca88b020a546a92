"""Fixtures of the security regression tests: the query-limit tests' app factory, and
one real ``crm-graphql serve`` (uvicorn over TCP) for the attacks that need a real
server: a blocked event loop, half-sent requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.limits.conftest import limited
from tests.server import running_server

__all__ = ["limited", "real_server"]

#: The read timeouts of the real server (short, so that the tests wait little).
HEADER_TIMEOUT_SECONDS = 1
BODY_TIMEOUT_SECONDS = 1


@pytest.fixture(scope="session")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a ``crm-graphql serve`` on SQLite with short read timeouts."""
    workdir = tmp_path_factory.mktemp("security-server")
    with running_server(
        workdir,
        CRM_WORKERS="1",
        CRM_JWT_SECRET="security-test-only-jwt-secret-0123456789-abcdef",
        CRM_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT_SECONDS),
        CRM_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_SECONDS),
    ) as url:
        yield url
