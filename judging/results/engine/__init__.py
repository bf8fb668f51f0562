"""Pure results computations (no Flask, no session): totals, aggregation, ranking, reliability,
phase rules."""
