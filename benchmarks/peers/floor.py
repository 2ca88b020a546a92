"""The raw-SQL floor: the headline query's data from hand-written SQL, as the same JSON.

A bare Starlette app over asyncmy (aiosqlite for a SQLite file, for the test suite):
no GraphQL, no ORM. ``GET /customer360?first=N`` answers ``{"data": ...}`` exactly as
the API answers the headline query (newest customers first, with company, lifetime
value, their 10 latest interactions with author, 10 latest orders with items and
products, 5 latest opportunities). Seven statements whatever N: the page and its
companies, the count, the lifetime values, and one windowed statement
(``ROW_NUMBER() OVER (PARTITION BY customer_id ...)``) per nested list, with the
referenced rows joined in.

    python -m benchmarks.peers.floor --database-url mysql://root:@127.0.0.1:3306/db --port 8101
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol
from urllib.parse import urlparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.peers.shape import (
    BASE_CURRENCY,
    INTERACTIONS,
    OPPORTUNITIES,
    ORDERS,
    REVENUE_STATUSES,
    global_id,
    iso_datetime,
    money,
)


class Database(Protocol):
    """Runs one SELECT (``%s`` placeholders) and returns its rows as tuples."""

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]: ...

    async def close(self) -> None: ...


class MySQLDatabase:
    """A small asyncmy pool."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, url: str) -> MySQLDatabase:
        import asyncmy

        parts = urlparse(url)
        pool = await asyncmy.create_pool(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            db=parts.path.lstrip("/"),
            charset="utf8mb4",
            autocommit=True,
            minsize=1,
            maxsize=5,
        )
        return cls(pool)

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())

    async def close(self) -> None:
        self.pool.close()
        await self.pool.wait_closed()


class SQLiteDatabase:
    """One aiosqlite connection (the test suite's SQLite file)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def connect(cls, url: str) -> SQLiteDatabase:
        import aiosqlite

        path = url.split("://", 1)[1]
        return cls(await aiosqlite.connect(path))

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        async with self.connection.execute(sql.replace("%s", "?"), tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def close(self) -> None:
        await self.connection.close()


async def connect(url: str) -> Database:
    """A database for a ``mysql://`` or ``sqlite://`` URL."""
    if url.startswith("sqlite"):
        return await SQLiteDatabase.connect(url)
    return await MySQLDatabase.connect(url)


def _marks(values: Sequence[Any]) -> str:
    return ",".join(["%s"] * len(values))


def _windowed(columns: str, table: str, order: str, ids: Sequence[int], per_parent: int) -> str:
    """The first ``per_parent`` rows of each customer in ``ids``, in ``order``."""
    return (
        f"SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY {order}) AS rn "
        f"FROM {table} WHERE customer_id IN ({_marks(ids)})"
    )


async def customer_360(db: Database, first: int) -> dict[str, Any]:
    """The ``data`` of the API's headline query for the ``first`` newest customers."""
    customers = await db.fetch(
        "SELECT c.id, c.first_name, c.last_name, c.email, co.name FROM customer c "
        "LEFT JOIN company co ON co.id = c.company_id WHERE c.deleted_at IS NULL "
        "ORDER BY c.created_at DESC, c.id DESC LIMIT %s",
        [first],
    )
    ((total,),) = await db.fetch("SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL", [])
    ids = [row[0] for row in customers]
    if not ids:
        return {"customers": {"totalCount": total, "nodes": []}}

    lifetime = dict(
        await db.fetch(
            f"SELECT customer_id, SUM(total) FROM crm_order WHERE customer_id IN ({_marks(ids)}) "
            f"AND status IN ({_marks(REVENUE_STATUSES)}) AND currency = %s GROUP BY customer_id",
            [*ids, *REVENUE_STATUSES, BASE_CURRENCY],
        )
    )

    interactions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for customer_id, channel, subject, occurred_at, author_id, author in await db.fetch(
        "SELECT t.customer_id, t.channel, t.subject, t.occurred_at, t.author_id, u.name FROM ("
        + _windowed(
            "id, customer_id, channel, subject, occurred_at, author_id",
            "interaction",
            "occurred_at DESC, id DESC",
            ids,
            INTERACTIONS,
        )
        + ") t LEFT JOIN crm_user u ON u.id = t.author_id "
        "WHERE t.rn <= %s ORDER BY t.customer_id, t.rn",
        [*ids, INTERACTIONS],
    ):
        interactions[customer_id].append(
            {
                "channel": channel,
                "subject": subject,
                "occurredAt": iso_datetime(occurred_at),
                "author": None if author_id is None else {"name": author},
            }
        )

    orders: dict[int, list[dict[str, Any]]] = defaultdict(list)
    items_of: dict[int, list[dict[str, Any]]] = {}
    for order_id, customer_id, number, status, total_amount, currency in await db.fetch(
        "SELECT id, customer_id, number, status, total, currency FROM ("
        + _windowed(
            "id, customer_id, number, status, total, currency",
            "crm_order",
            "created_at DESC, id DESC",
            ids,
            ORDERS,
        )
        + ") t WHERE rn <= %s ORDER BY customer_id, rn",
        [*ids, ORDERS],
    ):
        items_of[order_id] = []
        orders[customer_id].append(
            {
                "number": number,
                "status": status,
                "total": money(total_amount),
                "currency": currency,
                "items": items_of[order_id],
            }
        )
    if items_of:
        order_ids = list(items_of)
        for order_id, quantity, product in await db.fetch(
            "SELECT oi.order_id, oi.quantity, p.name FROM order_item oi "
            f"JOIN product p ON p.id = oi.product_id WHERE oi.order_id IN ({_marks(order_ids)}) "
            "ORDER BY oi.id",
            order_ids,
        ):
            items_of[order_id].append({"quantity": quantity, "product": {"name": product}})

    opportunities: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for customer_id, name, stage, amount in await db.fetch(
        "SELECT customer_id, name, stage, amount FROM ("
        + _windowed(
            "id, customer_id, name, stage, amount",
            "opportunity",
            "created_at DESC, id DESC",
            ids,
            OPPORTUNITIES,
        )
        + ") t WHERE rn <= %s ORDER BY customer_id, rn",
        [*ids, OPPORTUNITIES],
    ):
        opportunities[customer_id].append({"name": name, "stage": stage, "amount": money(amount)})

    nodes = [
        {
            "id": global_id("Customer", customer_id),
            "firstName": first_name,
            "lastName": last_name,
            "email": email,
            "company": None if company is None else {"name": company},
            "lifetimeValue": money(lifetime.get(customer_id)),
            "interactions": {"nodes": interactions.get(customer_id, [])},
            "orders": {"nodes": orders.get(customer_id, [])},
            "opportunities": {"nodes": opportunities.get(customer_id, [])},
        }
        for customer_id, first_name, last_name, email, company in customers
    ]
    return {"customers": {"totalCount": total, "nodes": nodes}}


def create_floor_app(database_url: str) -> Starlette:
    """The floor app over the database at ``database_url``."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = await connect(database_url)
        try:
            yield
        finally:
            await app.state.db.close()

    async def customer360(request: Request) -> JSONResponse:
        first = int(request.query_params.get("first", "20"))
        return JSONResponse({"data": await customer_360(request.app.state.db, first)})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/customer360", customer360, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The raw-SQL floor server.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        create_floor_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
