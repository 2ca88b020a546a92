"""CSV import: encodings and delimiters, the suggested mapping, dry runs with per-row
errors from the mutations' validation, duplicate policies, idempotent and resumable
jobs in batches, GraphQL multipart uploads and the job run by the events worker."""

from __future__ import annotations

import json

import pytest

from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import Company, Customer, CustomerLifecycleChange
from crm_graphql.domains.integration import imports
from crm_graphql.domains.integration.models import ImportJob, ImportRowError
from tests.events.conftest import wait_until
from tests.factories import make_company, make_customer
from tests.helpers import count_statements
from tests.integration.conftest import integration_settings

JOB = """
query($id: ID!) {
  importJob(id: $id) {
    status total processed created updated skipped failed encoding delimiter mapping
    errors(first: 10) { row column message }
  }
}"""


async def upload(client, entity: str, content: bytes, **params: str):  # type: ignore[no-untyped-def]
    response = await client.http.post(
        f"/imports/{entity}",
        content=content,
        params=params,
        headers={"Content-Type": "text/csv"},
    )
    return response


async def run(client, db, content: bytes, entity: str = "customers", **params: str) -> dict:  # type: ignore[no-untyped-def]
    response = await upload(client, entity, content, **params)
    assert response.status_code == 202, response.text
    job_id = response.json()["job"]["id"]
    pk = (await ImportJob.all().order_by("-id").first()).pk  # type: ignore[union-attr]
    await imports.run_job(pk, integration_settings(db))
    return (await client.data(JOB, {"id": job_id}))["importJob"]


@pytest.fixture(autouse=True)
def import_folder(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_IMPORT_DIR", str(tmp_path))
    return tmp_path


async def test_utf8_bom_semicolons_and_header_mapping(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    content = (
        "\ufeffVorname;Nachname;E-Mail;Telefon;Country\n"
        "José;Núñez;jose@example.com;+49 30 1234567;de\n"
    )
    job = await run(admin, db, content.encode("utf-8"))
    assert job["status"] == "SUCCEEDED"
    assert job["encoding"] == "utf-8-sig" and job["delimiter"] == ";"
    assert job["mapping"] == {
        "Vorname": "firstName",
        "Nachname": "lastName",
        "E-Mail": "email",
        "Telefon": "phone",
        "Country": "address.country",
    }
    customer = await Customer.get(email="jose@example.com")
    assert (customer.first_name, customer.last_name) == ("José", "Núñez")
    assert customer.phone == "+49301234567" and customer.country == "DE"
    # Owned by whoever imported it, with its first lifecycle stage recorded.
    assert customer.owner_id == admin.user.pk
    assert await CustomerLifecycleChange.filter(customer_id=customer.pk).count() == 1
    assert (job["total"], job["created"], job["failed"]) == (1, 1, 0)


async def test_excel_cp1252_and_tabs_are_read(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    content = "first name\tlast name\temail\nRenée\tGaß\trenee@example.com\n"
    job = await run(admin, db, content.encode("cp1252"))
    assert job["encoding"] == "cp1252" and job["delimiter"] == "\t"
    assert (await Customer.get(email="renee@example.com")).last_name == "Gaß"


async def test_dry_run_reports_row_errors_and_writes_nothing(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    content = (
        b"first_name,last_name,email,phone,country,stage\n"
        b"Ann,Lee,ann@example.com,,,LEAD\n"
        b"Bob,Ray,not-an-email,,,\n"
        b"Cid,Roe,,12,,\n"
        b",Fox,fox@example.com,,XX,\n"
        b"Dan,Orr,,,,SOMETHING\n"
    )
    job = await run(admin, db, content, dryRun="true")
    assert (job["total"], job["processed"], job["created"], job["failed"]) == (5, 5, 1, 4)
    errors = {(e["row"], e["column"]) for e in job["errors"]}
    assert {(2, "email"), (3, "phone"), (4, "first_name"), (4, "country"), (5, "stage")} <= errors
    messages = {e["row"]: e["message"] for e in job["errors"]}
    assert messages[3] == "Not a valid phone number."
    assert await Customer.all().count() == 0


async def test_duplicate_policies_match_normalised_email_and_phone(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    await make_customer(first_name="Old", last_name="Mail", email="ann@example.com")
    await make_customer(first_name="Old", last_name="Phone", phone="+14155550100")
    content = (
        b"first_name,last_name,email,phone,job_title\n"
        b"Ann,Lee,ann@EXAMPLE.com,,Chemist\n"
        b"Bea,Kay,,(415) 555-0100,Pilot\n"
        b"New,One,new@example.com,,\n"
    )
    skip = await run(admin, db, content, duplicatePolicy="SKIP")
    assert (skip["created"], skip["skipped"], skip["updated"]) == (1, 2, 0)
    update = await run(admin, db, content, duplicatePolicy="UPDATE")
    assert (update["created"], update["updated"]) == (0, 3)
    assert (await Customer.get(email="ann@example.com")).job_title == "Chemist"
    assert (await Customer.get(phone="+14155550100")).job_title == "Pilot"
    create = await run(admin, db, content, duplicatePolicy="CREATE")
    assert create["created"] == 3
    assert await Customer.all().count() == 2 + 1 + 3


async def test_same_file_twice_is_the_same_job(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    content = b"first_name,last_name,email\nAnn,Lee,ann@example.com\n"
    first = await upload(admin, "customers", content)
    second = await upload(admin, "customers", content)
    assert first.json()["job"]["id"] == second.json()["job"]["id"]
    assert await ImportJob.all().count() == 1
    job = await ImportJob.get()
    await imports.run_job(job.pk, integration_settings(db))
    await imports.run_job(job.pk, integration_settings(db))
    assert await Customer.all().count() == 1


async def test_a_stopped_job_goes_on_after_its_last_batch(as_role, db, import_folder, monkeypatch):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    rows = "".join(f"P{i},Row,p{i}@example.com\n" for i in range(10))
    response = await upload(admin, "customers", f"first_name,last_name,email\n{rows}".encode())
    job = await ImportJob.get()
    settings = integration_settings(db, import_batch_rows=3)
    original = imports._write
    calls = 0

    async def dies_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("worker killed")
        return await original(*args, **kwargs)

    monkeypatch.setattr(imports, "_write", dies_on_the_third)
    with pytest.raises(RuntimeError):
        await imports.run_job(job.pk, settings)
    stopped = await ImportJob.get(pk=job.pk)
    assert (stopped.status, stopped.processed, stopped.created) == ("RUNNING", 6, 6)
    monkeypatch.setattr(imports, "_write", original)
    await imports.run_job(job.pk, settings)
    done = (await admin.data(JOB, {"id": response.json()["job"]["id"]}))["importJob"]
    assert (done["status"], done["processed"], done["created"]) == ("SUCCEEDED", 10, 10)
    assert await Customer.all().count() == 10


async def test_statements_per_batch_do_not_grow_with_its_rows(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    counts = []
    for size in (5, 50):
        rows = "".join(f"P{i},Row{size},p{i}.{size}@example.com\n" for i in range(size))
        await upload(admin, "customers", f"first_name,last_name,email\n{rows}".encode())
        job = await ImportJob.all().order_by("-id").first()
        with count_statements() as statements:
            await imports.run_job(job.pk, integration_settings(db, import_batch_rows=100))  # type: ignore[union-attr]
        counts.append(len(statements))
    assert await Customer.all().count() == 55
    assert counts[0] == counts[1]


async def test_companies_match_on_domain(as_role, db, import_folder):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    await make_company(name="Acme", domain="acme.com")
    content = b"Company,Website,Industry\nAcme Inc,https://www.ACME.com/about,Tools\nGlobex,globex.com,Energy\n"
    job = await run(admin, db, content, entity="companies", duplicatePolicy="UPDATE")
    assert (job["created"], job["updated"]) == (1, 1)
    assert (await Company.get(domain="acme.com")).industry == "Tools"
    assert await Company.filter(domain="globex.com").exists()


async def test_only_admin_and_manager_import_and_bad_input_is_typed(as_role, db, import_folder):
    sales = await as_role(Role.SALES, import_dir=str(import_folder))
    assert (await upload(sales, "customers", b"a\n1\n")).status_code == 403
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    wrong = await upload(admin, "customers", b"shoe,size\n1,2\n")
    assert wrong.status_code == 400
    assert "firstName" in wrong.json()["error"]["message"]
    policy = await upload(
        admin, "customers", b"first_name,last_name\na,b\n", duplicatePolicy="MAYBE"
    )
    assert policy.status_code == 400
    assert await ImportJob.all().count() == 0


async def test_graphql_multipart_upload_runs_on_the_events_worker(
    as_role, db, worker, import_folder
):
    admin = await as_role(Role.MANAGER, import_dir=str(import_folder))
    operations = {
        "query": 'mutation($file: Upload!) { importCsv(entity: "customers", file: $file) '
        "{ job { id status } userErrors { field message } } }",
        "variables": {"file": None},
    }
    response = await admin.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("people.csv", b"First Name,Last Name\nAda,Byron\n", "text/csv")},
        headers={"Apollo-Require-Preflight": "true"},
    )
    body = response.json()
    assert not body.get("errors"), body
    job_id = body["data"]["importCsv"]["job"]["id"]

    async def finished() -> bool:
        job = (await admin.data(JOB, {"id": job_id}))["importJob"]
        return job["status"] == "SUCCEEDED"

    await wait_until(finished, within=30)
    assert await Customer.filter(first_name="Ada", last_name="Byron").exists()
    assert not await ImportRowError.all().exists()
