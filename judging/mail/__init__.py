"""Mail: the outbox (a row in the request, sent after the commit), the sender worker, the one
registry of organizer-editable templates, its editor and the outbox page."""
