"""Pure jury computations (plain values in, plain values out): assignment and conflict detection."""
