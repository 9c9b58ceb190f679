"""Intake: what citizens submit, and the citizen-facing view of each case."""

# Who intake is on the events it announces (`source`).
SOURCE = "intake"
# The author and actor of what the citizen writes or does.
CITIZEN = "citizen"
