"""Starting a CSV import through GraphQL (the multipart request spec's ``Upload``)."""

from __future__ import annotations

from typing import Annotated

import strawberry
import strawberry.scalars
from strawberry.file_uploads import Upload

from crm_graphql.api import audit
from crm_graphql.api.auth import allow_roles
from crm_graphql.api.context import Info
from crm_graphql.api.mutations.problems import UserError, UserErrorCode
from crm_graphql.api.roles import Role
from crm_graphql.domains.integration import imports
from crm_graphql.domains.integration.models import DuplicatePolicy
from crm_graphql.domains.integration.types import ImportJob


@strawberry.type(description="The result of importCsv.")
class ImportCsvPayload:
    job: ImportJob | None = strawberry.field(
        description="The job (an existing one when the same file was uploaded with the same "
        "options); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused.")


async def _chunks(file: Upload):  # type: ignore[no-untyped-def]
    while chunk := await file.read(imports.CHUNK_BYTES):  # type: ignore[attr-defined]
        yield chunk


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        description="Import customers or companies from a CSV file (a multipart upload; "
        "larger files: `POST /imports/{entity}`). Runs as a background job: follow it with "
        "`importJob(id:)`. ADMIN and MANAGER.",
        extensions=allow_roles(Role.ADMIN, Role.MANAGER),
    )
    async def import_csv(
        self,
        info: Info,
        entity: Annotated[
            str,
            strawberry.argument(description="`customers`, `companies`, `leads` or `interactions`."),
        ],
        file: Annotated[Upload, strawberry.argument(description="The CSV file.")],
        dry_run: Annotated[
            bool,
            strawberry.argument(description="Check and count only: nothing is written."),
        ] = False,
        duplicate_policy: Annotated[
            DuplicatePolicy,
            strawberry.argument(description="What rows matching an existing record get."),
        ] = DuplicatePolicy.SKIP,
        mapping: Annotated[
            strawberry.scalars.JSON | None,
            strawberry.argument(
                description='CSV column -> field, e.g. {"E-Mail": "email"}; null: suggested '
                "from the header."
            ),
        ] = None,
    ) -> ImportCsvPayload:
        def refused(path: str, message: str) -> ImportCsvPayload:
            return ImportCsvPayload(
                job=None,
                user_errors=[UserError(field=[path], message=message, code=UserErrorCode.INVALID)],
            )

        if entity not in imports.TARGETS:
            return refused("entity", f"One of {', '.join(imports.ENTITIES)}.")
        if mapping is not None and not (
            isinstance(mapping, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
        ):
            return refused("mapping", 'An object: {"CSV column": "field"}.')
        settings = info.context.settings
        principal = info.context.principal
        stored = await imports.store_upload(_chunks(file), settings.import_dir)
        try:
            job = await imports.start_job(
                entity,
                stored,
                file_name=getattr(file, "filename", None),
                dry_run=dry_run,
                policy=DuplicatePolicy(duplicate_policy),
                mapping=mapping,
                created_by_id=principal.user_id if principal else None,
            )
        except imports.ImportRefused as exc:
            return refused("file", str(exc))
        await audit.record(
            "import_job.start",
            audit.meta_from(info.context),
            entity_type="ImportJob",
            entity_id=job.pk,
            changes={"entity": entity, "dry_run": dry_run, "sha256": stored.sha256},
        )
        return ImportCsvPayload(job=ImportJob.of(job), user_errors=[])
