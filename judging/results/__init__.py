"""Results: a round's ranking from its scorecards, decisions, phases, snapshots, outcome mails."""
