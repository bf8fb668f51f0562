"""Fictional data: the demo edition and generated editions of any size."""
