"""Persisted queries: Apollo's automatic persisted queries (APQ) and an allow-list.

APQ: a client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": h}``
without the query; the server runs the document it knows under ``h``, or answers
``PERSISTED_QUERY_NOT_FOUND``, upon which the client sends the query with the hash
once, and the server keeps it (after checking that the hash is the query's SHA-256).

Allow-list (``CRM_ALLOWED_QUERIES``): only the registered documents run, whether a
client sends the hash or the whole text; everything else is ``OPERATION_NOT_ALLOWED``
and nothing new is registered. The list is read once, at start, from

- a folder: every ``*.graphql`` file below it is one document, registered under the
  SHA-256 of the file's text (UTF-8, as is);
- a JSON file: ``{"<sha256 hex>": "<document>", ...}``, or Apollo's persisted query
  manifest ``{"format": "apollo-persisted-query-manifest", "operations": [{"id":
  "<sha256 hex>", "body": "<document>", ...}]}``. Each hash must be its document's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from graphql import GraphQLError, GraphQLSchema, parse, validate
from redis.asyncio import Redis

from crm_graphql.api.errors import CrmError, ErrorCode
from crm_graphql.settings import SettingsError

#: How long Redis keeps an automatically persisted query after its last registration.
APQ_TTL_SECONDS = 24 * 3600
#: Documents an in-memory APQ store keeps (it starts over when full).
APQ_MEMORY_SIZE = 1000
#: Largest document kept (bytes of UTF-8); a longer one runs but is not kept.
APQ_MAX_DOCUMENT_BYTES = 64 * 1024
#: Bytes of documents one store keeps at most (in memory: it starts over; in Redis:
#: per ``APQ_TTL_SECONDS``, so at most twice this is alive at any time).
APQ_MAX_TOTAL_BYTES = 8 * 1024 * 1024


def sha256_hex(text: str) -> str:
    """The hash Apollo clients send: SHA-256 of the UTF-8 text, lower-case hex."""
    return hashlib.sha256(text.encode()).hexdigest()


class QueryStore(Protocol):
    """Where automatically persisted queries are kept."""

    async def get(self, sha: str) -> str | None: ...

    async def put(self, sha: str, query: str) -> None: ...


class MemoryQueryStore:
    """APQ documents of one process, bounded in count and in bytes."""

    def __init__(self, size: int = APQ_MEMORY_SIZE, max_bytes: int = APQ_MAX_TOTAL_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._queries: dict[str, str] = {}

    async def get(self, sha: str) -> str | None:
        return self._queries.get(sha)

    async def put(self, sha: str, query: str) -> None:
        if sha in self._queries:
            return
        length = len(query.encode())
        if len(self._queries) >= self.size or self.bytes + length > self.max_bytes:
            self._queries.clear()
            self.bytes = 0
        self._queries[sha] = query
        self.bytes += length


class RedisQueryStore:
    """APQ documents shared by every process using the same Redis."""

    def __init__(self, redis: Redis, prefix: str, max_bytes: int = APQ_MAX_TOTAL_BYTES) -> None:
        self.redis = redis
        self.prefix = f"{prefix}apq:"
        self.max_bytes = max_bytes
        #: Bytes stored in the current period of ``APQ_TTL_SECONDS`` (the documents of a
        #: period expire within one more period).
        self.bytes_key = f"{prefix}apq-bytes"

    async def get(self, sha: str) -> str | None:
        found = await self.redis.get(self.prefix + sha)
        return found.decode() if isinstance(found, bytes) else found

    async def put(self, sha: str, query: str) -> None:
        if await self.redis.exists(self.prefix + sha):
            return
        length = len(query.encode())
        total = await self.redis.incrby(self.bytes_key, length)
        if total == length:
            await self.redis.expire(self.bytes_key, APQ_TTL_SECONDS)
        if total > self.max_bytes:
            await self.redis.decrby(self.bytes_key, length)
            return  # full for this period: the document runs but is not kept
        await self.redis.set(self.prefix + sha, query, ex=APQ_TTL_SECONDS)


def load_allow_list(location: str) -> dict[str, str]:
    """The registered documents by hash; :class:`SettingsError` when unreadable."""
    path = Path(location)
    label = "CRM_ALLOWED_QUERIES"
    if path.is_dir():
        documents = {}
        for file in sorted(path.rglob("*.graphql")):
            text = file.read_text(encoding="utf-8")
            documents[sha256_hex(text)] = text
        return documents
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{label}: cannot read {location}: {exc}") from None
    if isinstance(raw, dict) and isinstance(raw.get("operations"), list):
        pairs = [(op.get("id"), op.get("body")) for op in raw["operations"]]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise SettingsError(f"{label}: {location} is neither a hash map nor a manifest")
    documents = {}
    for sha, text in pairs:
        if not isinstance(sha, str) or not isinstance(text, str) or sha256_hex(text) != sha:
            raise SettingsError(f"{label}: {sha!r} is not the SHA-256 of its document")
        documents[sha] = text
    return documents


class PersistedQueries:
    """Turns a request's ``query`` and ``extensions`` into the document to run."""

    def __init__(self, store: QueryStore | None, allowed: Mapping[str, str] | None) -> None:
        self.store = store
        self.allowed = allowed

    async def document(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The text to run (``query`` when no persisted query is involved).

        Raises :class:`CrmError` for an unknown hash, a hash that is not the query's,
        or (in allow-list mode) a document that is not registered.
        """
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.allowed is not None and query is not None:
                return self._registered(sha256_hex(query))
            return query
        sha = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(sha, str) or persisted.get("version", 1) != 1:
            raise CrmError(
                "PersistedQueryNotSupported: version 1 with a sha256Hash is expected.",
                ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
            )
        if query is not None and sha256_hex(query) != sha:
            raise CrmError(
                "The sha256Hash is not the SHA-256 of the query.",
                ErrorCode.PERSISTED_QUERY_HASH_MISMATCH,
            )
        if self.allowed is not None:
            return self._registered(sha)
        if self.store is None:
            raise CrmError("PersistedQueryNotSupported", ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED)
        if query is not None:
            return query  # kept by :meth:`register` after it ran, if it may be
        found = await self.store.get(sha)
        if found is None:
            # Apollo clients look for this message (or the code) and resend the query.
            raise CrmError("PersistedQueryNotFound", ErrorCode.PERSISTED_QUERY_NOT_FOUND)
        return found

    async def register(
        self,
        query: str | None,
        extensions: Mapping[str, Any] | None,
        schema: GraphQLSchema,
        signed_in: bool,
    ) -> bool:
        """Keep the document of an APQ registration (hash and query sent) once it has
        run: only for a signed-in caller, only a document that parses and validates, and
        only up to ``APQ_MAX_DOCUMENT_BYTES``. Returns whether it was kept.

        Anyone may otherwise fill the store with large documents without signing in.
        """
        persisted = (extensions or {}).get("persistedQuery")
        if (
            not signed_in
            or query is None
            or self.store is None
            or self.allowed is not None
            or not isinstance(persisted, dict)
            or len(query.encode()) > APQ_MAX_DOCUMENT_BYTES
        ):
            return False
        try:
            document = parse(query)
        except GraphQLError:
            return False
        if validate(schema, document):
            return False
        await self.store.put(sha256_hex(query), query)
        return True

    def _registered(self, sha: str) -> str:
        assert self.allowed is not None
        found = self.allowed.get(sha)
        if found is None:
            raise CrmError(
                "Only registered operations may run on this server.",
                ErrorCode.OPERATION_NOT_ALLOWED,
            )
        return found
