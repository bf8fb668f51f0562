"""The edition exchange format (``judging-edition/1``, ``shared/spec/edition-format.md``)."""
