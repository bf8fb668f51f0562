"""The jury: members, conflicts of interest, assignment, scorecards and the jurors' pages."""
