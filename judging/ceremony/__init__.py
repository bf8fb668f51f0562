"""The ceremony: its plan, the reveal screen, the printed sheets and the edition report."""
