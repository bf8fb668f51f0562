"""The audience award (Prix du public): finalists chosen by the people in the room and online.

``models`` (tables), ``rules`` (when a vote counts), ``tally`` (the pure count), ``operations``
(writes: flush and audit, never commit), ``queries`` (turnout, fraud signals, the result the
ceremony reads), ``forms`` and ``views`` (organizer and public routes).
"""
