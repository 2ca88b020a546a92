"""Starting CSV imports through GraphQL (multipart upload)."""

from __future__ import annotations

import strawberry


@strawberry.type
class ImportMutations:
    pass
