"""CSV import of leads and interactions, and customers' external IDs: the same dry run,
mapping, duplicate policies and job as customers; interactions name their customer by
e-mail or external ID and their author by e-mail, resolved per batch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.customers.models import Customer
from crm_graphql.domains.integration import imports, tasks
from crm_graphql.domains.interactions.models import Channel, Direction, Interaction
from crm_graphql.domains.leads.models import Lead, LeadSource, LeadStatus
from crm_graphql.events import OutboxEvent, Outcome, run_delivery
from crm_graphql.events.relay import relay_pass
from tests.factories import make_customer, make_user
from tests.helpers import count_statements
from tests.integration.conftest import integration_settings
from tests.integration.test_imports import import_folder, run, upload  # noqa: F401


async def test_leads_import_matches_normalised_email_and_phone(as_role, db, import_folder):  # noqa: F811
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    await Lead.create(last_name="Old", email="ann@example.com")
    await Lead.create(last_name="Older", phone="+14155550100")
    await Lead.create(last_name="Done", email="won@example.com", status=LeadStatus.CONVERTED)
    content = (
        b"First Name,Last Name,E-Mail,Phone,Company,Score\n"
        b"Ann,Lee,ANN@example.com,,Acme,40\n"
        b"Bea,Kay,,(415) 555-0100,Globex,\n"
        b"Cid,Won,won@example.com,,Initech,\n"
        b"New,One,new@example.com,,,\n"
        b"New,Again,NEW@example.com,,,\n"
    )
    skip = await run(admin, db, content, entity="leads", duplicatePolicy="SKIP")
    assert skip["mapping"]["Company"] == "companyName"
    assert (skip["created"], skip["skipped"], skip["updated"], skip["failed"]) == (1, 4, 0, 0)
    new = await Lead.get(email="new@example.com")
    # Like a web form's lead: no owner until the assignment rules give it one.
    assert (new.source, new.status, new.owner_id) == (LeadSource.IMPORT, LeadStatus.NEW, None)
    assert await OutboxEvent.filter(type="lead.created", entity_id=str(new.pk)).exists()

    update = await run(admin, db, content, entity="leads", duplicatePolicy="UPDATE")
    # A converted lead does not change: it is skipped (and so is a second row of a lead).
    assert (update["created"], update["updated"], update["skipped"]) == (0, 4, 1)
    ann = await Lead.get(last_name="Lee")
    assert (ann.first_name, ann.company_name, ann.score) == ("Ann", "Acme", 40)
    assert (await Lead.get(phone="+14155550100")).company_name == "Globex"
    assert (await Lead.get(email="won@example.com")).company_name is None

    create = await run(admin, db, content, entity="leads", duplicatePolicy="CREATE")
    assert create["created"] == 5
    assert await Lead.all().count() == 3 + 1 + 5


async def test_leads_dry_run_reports_the_mutations_errors(as_role, db, import_folder):  # noqa: F811
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    content = (
        b"last_name,email,phone,country,score,source\n"
        b"Lee,lee@example.com,,DE,10,referral\n"
        b",nobody@example.com,,,,\n"
        b"Ray,not-an-email,12,XX,abc,SHOP\n"
        b"Fox,,,,101,\n"
    )
    job = await run(admin, db, content, entity="leads", dryRun="true")
    assert (job["total"], job["created"], job["failed"]) == (4, 1, 3)
    errors = {(e["row"], e["column"]) for e in job["errors"]}
    assert {
        (2, "last_name"),
        (3, "email"),
        (3, "phone"),
        (3, "country"),
        (3, "score"),
        (3, "source"),
        (4, "score"),
    } <= errors
    messages = {(e["row"], e["column"]): e["message"] for e in job["errors"]}
    assert messages[(4, "score")] == "From 0 to 100."
    assert messages[(3, "score")] == "Not a whole number."
    assert await Lead.all().count() == 0


async def test_interactions_name_their_customer_and_author(as_role, db, import_folder):  # noqa: F811
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    ann = await make_customer(email="Ann@example.com")
    shop = await make_customer(email=None, external_id="SHOP-7")
    gone = await make_customer(email="gone@example.com", deleted_at=datetime.now(UTC))
    author = await make_user(Role.SALES, email="rep@example.com")
    content = (
        "Customer Email;Customer ID;Author;Channel;Direction;Subject;Date;Duration;Notes\n"
        "ann@example.com;;REP@example.com;call;outbound;Intro call;2026-11-02 09:30;300;Né\n"
        ";SHOP-7;;Email;Inbound;Order question;2026-11-03T10:00:00+01:00;;\n"
        "nobody@example.com;;;note;internal;Lost;2026-11-04;;\n"
        "gone@example.com;;;note;internal;Deleted;2026-11-04;;\n"
        "ann@example.com;;ghost@example.com;call;outbound;Ghost;2026-11-04;;\n"
        "ann@example.com;;;fax;outbound;;yesterday;-5;\n"
        ";;;note;internal;No customer;;;\n"
    ).encode()
    job = await run(admin, db, content, entity="interactions")
    assert job["mapping"] == {
        "Customer Email": "customer.email",
        "Customer ID": "customer.externalId",
        "Author": "author.email",
        "Channel": "channel",
        "Direction": "direction",
        "Subject": "subject",
        "Date": "occurredAt",
        "Duration": "durationSeconds",
        "Notes": "body",
    }
    assert (job["total"], job["created"], job["failed"]) == (7, 2, 5)
    errors = {(e["row"], e["column"], e["message"]) for e in job["errors"]}
    assert (3, "Customer Email", "No customer with this e-mail.") in errors
    assert (4, "Customer Email", "No customer with this e-mail.") in errors
    assert (5, "Author", "No user with this e-mail.") in errors
    columns = {(e["row"], e["column"]) for e in job["errors"]}
    assert {(6, "Channel"), (6, "Subject"), (6, "Date"), (6, "Duration"), (7, "customer")} <= (
        columns
    )
    call = await Interaction.get(subject="Intro call")
    assert (call.customer_id, call.author_id) == (ann.pk, author.pk)
    assert (call.channel, call.direction, call.duration_seconds, call.body) == (
        Channel.CALL,
        Direction.OUTBOUND,
        300,
        "Né",
    )
    assert call.occurred_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    question = await Interaction.get(subject="Order question")
    # By external ID; no author column value: whoever imported it.
    assert (question.customer_id, question.author_id) == (shop.pk, admin.user.pk)
    assert question.occurred_at == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert not await Interaction.filter(customer_id=gone.pk).exists()


async def test_interaction_references_cost_the_same_statements_for_any_batch(
    as_role,
    db,
    import_folder,  # noqa: F811
):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    for n in range(50):
        await make_customer(email=f"c{n}@example.com", external_id=f"X{n}")
    await make_user(Role.SALES, email="rep@example.com")
    counts = []
    for size in (5, 50):
        rows = "".join(
            f"c{i}@example.com,X{i},rep@example.com,call,outbound,S{size}.{i}\n"
            if i % 2
            else f",X{i},,note,internal,S{size}.{i}\n"
            for i in range(size)
        )
        header = "customer email,external id,author,channel,direction,subject\n"
        await upload(admin, "interactions", (header + rows).encode())
        job = await imports.ImportJob.all().order_by("-id").first()
        with count_statements() as statements:
            await imports.run_job(job.pk, integration_settings(db, import_batch_rows=100))  # type: ignore[union-attr]
        counts.append(len(statements))
    assert await Interaction.all().count() == 55
    assert counts[0] == counts[1]


async def test_customers_match_and_keep_their_external_id(as_role, db, import_folder):  # noqa: F811
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    await make_customer(first_name="Old", last_name="Shop", email=None, external_id="S-1")
    content = b"first_name,last_name,customer number,job_title\nAnn,Lee,S-1,Chemist\nBo,Ray,S-2,\n"
    job = await run(admin, db, content, duplicatePolicy="UPDATE")
    assert job["mapping"]["customer number"] == "externalId"
    assert (job["created"], job["updated"]) == (1, 1)
    assert (await Customer.get(external_id="S-1")).job_title == "Chemist"
    created = await Customer.get(external_id="S-2")
    data = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Customer { externalId } } }",
        {"id": to_global_id("Customer", created.pk)},
    )
    assert data["node"]["externalId"] == "S-2"
    answer = await admin.data(
        'mutation { createCustomer(input: {firstName: "A", lastName: "B", externalId: "'
        + "x" * 101
        + '"}) { customer { id } userErrors { field message } } }'
    )
    assert answer["createCustomer"]["userErrors"] == [
        {"field": ["input", "externalId"], "message": "At most 100 characters."}
    ]


async def test_a_long_import_keeps_its_run_while_its_worker_lives(
    as_role,
    db,
    import_folder,  # noqa: F811
    monkeypatch,
):
    admin = await as_role(Role.ADMIN, import_dir=str(import_folder))
    rows = "".join(f"P{i},Row,p{i}@example.com\n" for i in range(6))
    await upload(admin, "customers", f"first_name,last_name,email\n{rows}".encode())
    settings = integration_settings(db, import_batch_rows=2)
    original = imports._write

    async def slow_write(*args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.5)
        return await original(*args, **kwargs)

    monkeypatch.setattr(imports, "_write", slow_write)
    # A lease of 0.6 s: the import (three batches of 0.5 s) outlives it several times.
    tasks.register_importer(lease_seconds=0.6)
    imports.configure(settings)
    try:
        event = await OutboxEvent.get(type=imports.IMPORT_REQUESTED)
        await relay_pass(settings)
        first = asyncio.ensure_future(run_delivery(event.pk, "integration.imports.run", settings))
        await asyncio.sleep(1.0)
        second = await run_delivery(event.pk, "integration.imports.run", settings)
        assert (second, await first) == (Outcome.SKIPPED, Outcome.DONE)
    finally:
        tasks.register_importer()
        imports.configure(None)
    job = await imports.ImportJob.get()
    assert (job.status, job.created, job.skipped) == ("SUCCEEDED", 6, 0)
    assert await Customer.all().count() == 6
