"""What every mutation shares.

- :mod:`.problems`: user errors (``userErrors`` with a path and a code) collected before
  any is reported, and the row-level rule every change passes;
- :mod:`.transaction`: one transaction per mutation, idempotency keys, optimistic
  versions, and the hooks that run after a commit;
- :mod:`.writes`: :class:`~.writes.Writes`, the one helper a domain declares per entity,
  so that a plain create, update, delete or state change is a declaration plus the
  domain's own rules (in its ``services``);
- :mod:`.inputs`: reading GraphQL inputs (which fields were given).
"""
