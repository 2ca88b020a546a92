"""The command line: `serve --demo` on a bare directory, twice; export-schema; migrate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from crm_graphql.domains.auth.services import DEMO_PASSWORD
from tests.auth.documents import LOGIN
from tests.server import running_server

CUSTOMERS = """{ customers(first: 3, orderBy: [{field: LAST_NAME}, {field: FIRST_NAME}]) {
  totalCount nodes { firstName lastName email } } }"""


def _run_demo_server(tmp_path: Path) -> dict:
    with running_server(tmp_path, "--demo") as base:
        login = httpx.post(
            f"{base}/graphql",
            json={
                "query": LOGIN,
                "variables": {"email": "sales@example.com", "password": DEMO_PASSWORD},
            },
        ).json()
        token = login["data"]["login"]["accessToken"]
        body = httpx.post(
            f"{base}/graphql",
            json={"query": CUSTOMERS},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert "errors" not in body, body
        return body["data"]["customers"]


def test_serve_demo_fills_a_new_database_once_and_reuses_it(tmp_path):
    first = _run_demo_server(tmp_path)
    # 300 customers are made; about 1% are soft-deleted, as in real data.
    assert 280 <= first["totalCount"] <= 300
    assert all(node["firstName"] and node["lastName"] for node in first["nodes"])
    assert "300 customers created" in (tmp_path / "server.log").read_text()
    second = _run_demo_server(tmp_path)
    assert second == first
    assert "reusing it" in (tmp_path / "server.log").read_text()


def test_export_schema_writes_the_committed_schema(tmp_path):
    target = tmp_path / "schema.graphql"
    subprocess.run(
        [sys.executable, "-m", "crm_graphql.cli", "export-schema", "--output", str(target)],
        check=True,
        capture_output=True,
    )
    committed = Path(__file__).resolve().parent.parent / "schema.graphql"
    assert target.read_text() == committed.read_text()


def test_migrate_applies_migrations_to_a_new_database_and_is_idempotent(tmp_path):
    env = {"CRM_DATABASE_URL": f"sqlite://{tmp_path / 'new.sqlite3'}", "PATH": ""}
    command = [sys.executable, "-m", "crm_graphql.cli", "migrate"]
    for _ in range(2):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    import sqlite3

    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "new.sqlite3").execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"customer", "company", "interaction", "crm_order", "order_item"} <= tables


def test_wrong_setting_stops_the_command_naming_the_variable(tmp_path):
    env = {"CRM_DATABASE_URL": f"sqlite://{tmp_path / 'x.sqlite3'}", "CRM_PORT": "eighty"}
    done = subprocess.run(
        [sys.executable, "-m", "crm_graphql.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "CRM_PORT" in done.stderr


def test_rebuild_campaign_tally_counts_every_campaigns_members_again(tmp_path):
    import sqlite3

    path = tmp_path / "tally.sqlite3"
    env = {"CRM_DATABASE_URL": f"sqlite://{path}", "PATH": ""}
    migrate = [sys.executable, "-m", "crm_graphql.cli", "migrate"]
    assert subprocess.run(migrate, env=env, capture_output=True).returncode == 0
    # Members loaded around the API, and a tally that says something else.
    db = sqlite3.connect(path)
    stamp = "2026-01-01 00:00:00+00:00"
    db.execute(
        "INSERT INTO campaign (id, created_at, updated_at, version, name, type, status, "
        "currency) VALUES (1, ?, ?, 1, 'Loaded', 'EVENT', 'ACTIVE', 'EUR')",
        [stamp, stamp],
    )
    for customer_id, status in enumerate(["SENT", "SENT", "OPENED"], start=1):
        db.execute(
            "INSERT INTO campaign_member (created_at, updated_at, version, campaign_id, "
            "customer_id, status) VALUES (?, ?, 1, 1, ?, ?)",
            [stamp, stamp, customer_id, status],
        )
    db.execute(
        "INSERT INTO campaign_member_tally (campaign_id, status, members) VALUES (1, 'TARGETED', 9)"
    )
    db.commit()
    done = subprocess.run(
        [sys.executable, "-m", "crm_graphql.cli", "rebuild-campaign-tally"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "2 rows" in done.stdout + done.stderr
    tally = set(db.execute("SELECT status, members FROM campaign_member_tally").fetchall())
    assert tally == {("SENT", 2), ("OPENED", 1)}


def test_rollups_verify_and_rebuild_take_only_the_named_rollups(tmp_path):
    import sqlite3

    path = tmp_path / "rollups.sqlite3"
    env = {"CRM_DATABASE_URL": f"sqlite://{path}", "PATH": ""}
    cli = [sys.executable, "-m", "crm_graphql.cli"]
    assert subprocess.run([*cli, "migrate"], env=env, capture_output=True).returncode == 0
    # A campaign loaded around the API: its rollup cells are missing.
    db = sqlite3.connect(path)
    stamp = "2026-01-01 10:20:00+00:00"
    db.execute(
        "INSERT INTO campaign (id, created_at, updated_at, version, name, type, status, "
        "currency) VALUES (1, ?, ?, 1, 'Loaded', 'EVENT', 'ACTIVE', 'EUR')",
        [stamp, stamp],
    )
    db.commit()

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, "rollups", *arguments], env=env, capture_output=True, text=True
        )

    assert run("verify", "--only", "interactions").returncode == 0  # not the one that differs
    found = run("verify", "--only", "campaigns")
    assert found.returncode == 1
    assert "3 cells differ" in found.stdout + found.stderr  # its quarter hour, day, month
    unknown = run("rebuild", "--only", "campaign")
    assert unknown.returncode == 2
    assert "unknown rollup or tally: campaign" in unknown.stdout + unknown.stderr
    rebuilt = run("rebuild", "--only", "campaigns")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "campaigns 2026-01: 3 cells" in rebuilt.stdout + rebuilt.stderr
    assert "interactions" not in rebuilt.stdout + rebuilt.stderr
    assert run("verify").returncode == 0


def test_rollups_repair_counts_the_extremes_of_stale_cells_again(tmp_path):
    import sqlite3

    path = tmp_path / "repair.sqlite3"
    env = {"CRM_DATABASE_URL": f"sqlite://{path}", "PATH": ""}
    cli = [sys.executable, "-m", "crm_graphql.cli"]
    assert subprocess.run([*cli, "migrate"], env=env, capture_output=True).returncode == 0
    # A stale cell whose records are gone: after the repair it has no extremes.
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO rollup_order (cell, grain, placed_at, status, currency, n, total_cents, "
        "total_present, subtotal_cents, subtotal_present, tax_total_cents, tax_total_present, "
        "total_min, total_max, stale, changes) VALUES ('900|202601011015|PAID|USD', 900, "
        "'2026-01-01 10:15:00+00:00', 'PAID', 'USD', 1, 900, 1, 0, 0, 0, 0, 900, 900, 1, 1)"
    )
    db.commit()
    done = subprocess.run(
        [*cli, "rollups", "repair", "--only", "orders"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "stale cells repaired: 1" in done.stdout + done.stderr
    row = db.execute("SELECT total_min, total_max, stale FROM rollup_order").fetchone()
    assert row == (None, None, 0)
