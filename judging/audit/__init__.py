"""The audit trail as organizers read it: one sentence per event, filters, export."""
