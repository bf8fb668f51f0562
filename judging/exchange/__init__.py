"""The edition exchange format (``judging-edition/1``, ``shared/spec/edition-format.md``).

``validate`` lists every error of a document, ``import_`` creates an edition from one (all or
nothing), ``export`` writes an edition back in canonical form; ``common`` holds what they share.
"""
