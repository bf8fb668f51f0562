"""Use cases that write: validate, mutate, flush, audit, queue mail. They never commit."""
