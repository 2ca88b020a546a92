"""A real HTTP receiver on loopback for webhook tests: it answers with a script of
statuses and delays, and keeps every request it got."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.server import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """``script``: what the next requests get, in order: an int is a status, a float
    ``("sleep", s)`` a delay before 200; once used up, every request gets ``default``."""

    url: str
    script: list[object] = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)

    async def handle(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        step = self.script.pop(0) if self.script else self.default
        if isinstance(step, tuple):
            await asyncio.sleep(step[1])
            status = 200
        else:
            status = int(step)  # type: ignore[call-overload]
        self.requests.append(Received(dict(request.headers), body, status))
        return PlainTextResponse(f"answer {status}", status_code=status)

    def ok(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    """Serve a :class:`Receiver` on 127.0.0.1 until the block ends."""
    port = free_port()
    found = Receiver(url=f"http://127.0.0.1:{port}/hooks")
    app = Starlette(routes=[Route("/hooks", found.handle, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn has no started event)
        await asyncio.sleep(0.02)
    try:
        yield found
    finally:
        server.should_exit = True
        await task
