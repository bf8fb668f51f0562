"""Pure computations on what applicants write (plain values in, plain values out): organization names."""
