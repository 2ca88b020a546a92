"""Privacy requests: the export of everything held about a person, and its erasure."""
