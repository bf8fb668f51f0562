"""The live final (pitch night): the live session of a final round, its control, board and projector."""
