"""``POST /imports/{entity}``: a CSV file as the request body (``text/csv``), streamed to
disk, becomes an import job (see :mod:`.imports`)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_graphql.api import audit
from crm_graphql.api.ids import to_global_id
from crm_graphql.api.roles import Role
from crm_graphql.domains.integration import imports
from crm_graphql.domains.integration.exports import ExportRefused, principal_of
from crm_graphql.domains.integration.models import DuplicatePolicy, ImportJob
from crm_graphql.settings import Settings

#: Who may import.
IMPORTERS = frozenset({Role.ADMIN, Role.MANAGER})


def job_json(job: ImportJob) -> dict[str, Any]:
    """An import job as the REST answer shows it (the fields of GraphQL's ImportJob)."""
    return {
        "id": to_global_id("ImportJob", job.pk),
        "entity": job.entity,
        "status": str(job.status.value if hasattr(job.status, "value") else job.status),
        "dryRun": job.dry_run,
        "duplicatePolicy": str(job.duplicate_policy),
        "mapping": job.mapping,
        "encoding": job.encoding,
        "delimiter": job.delimiter,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "failed": job.failed,
        "error": job.error,
    }


def parse_options(params: Any) -> tuple[bool, DuplicatePolicy, dict[str, str] | None]:
    """``dryRun``, ``duplicatePolicy`` and ``mapping`` (JSON) of an upload."""
    dry_run = str(params.get("dryRun", "false")).lower() in ("1", "true", "yes")
    try:
        policy = DuplicatePolicy(str(params.get("duplicatePolicy", "SKIP")).upper())
    except ValueError:
        raise imports.ImportRefused("duplicatePolicy is one of SKIP, UPDATE, CREATE") from None
    mapping = None
    if params.get("mapping"):
        try:
            mapping = json.loads(params["mapping"])
        except ValueError as exc:
            raise imports.ImportRefused(f"mapping is not JSON: {exc}") from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise imports.ImportRefused('mapping is an object: {"CSV column": "field"}')
    return dry_run, policy, mapping


async def import_csv(request: Request) -> Response:
    """``POST /imports/{entity}?dryRun=&duplicatePolicy=&mapping=&fileName=``."""
    settings: Settings = request.app.state.settings
    entity = request.path_params["entity"]
    try:
        principal = await principal_of(request, settings)
        if principal.role not in IMPORTERS:
            raise ExportRefused(403, "FORBIDDEN", "Only ADMIN and MANAGER may import.")
        if entity not in imports.TARGETS:
            raise ExportRefused(404, "NOT_FOUND", f"{entity!r} cannot be imported.")
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("text/csv", "application/csv", "text/plain"):
            raise ExportRefused(415, "BAD_USER_INPUT", "Send the file as text/csv.")
        try:
            dry_run, policy, mapping = parse_options(request.query_params)
        except imports.ImportRefused as exc:
            raise ExportRefused(400, "BAD_USER_INPUT", str(exc)) from None
    except ExportRefused as refused:
        return refused.response()
    stored = await imports.store_upload(request.stream(), settings.import_dir)
    try:
        job = await imports.start_job(
            entity,
            stored,
            file_name=request.query_params.get("fileName"),
            dry_run=dry_run,
            policy=policy,
            mapping=mapping,
            created_by_id=principal.user_id,
        )
    except imports.ImportRefused as exc:
        return ExportRefused(400, "BAD_USER_INPUT", str(exc)).response()
    await audit.record(
        "import_job.start",
        audit.AuditMeta(
            actor_user_id=principal.user_id,
            actor_api_key_id=principal.api_key_id,
            actor_label=principal.name,
            client_address=request.client.host if request.client else None,
            request_id=getattr(request.state, "request_id", None),
        ),
        entity_type="ImportJob",
        entity_id=job.pk,
        changes={"entity": entity, "dry_run": dry_run, "sha256": stored.sha256},
    )
    return JSONResponse({"job": job_json(job)}, status_code=202)


def import_routes() -> list[Route]:
    """The upload route (for the app's route list)."""
    return [Route("/imports/{entity}", import_csv, methods=["POST"])]
