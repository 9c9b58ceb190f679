"""Routing: units, the responsible unit for each case, work queues and the officials' workflow."""

# Who routing is on the events it announces (`source`), and as the actor of its own steps.
SOURCE = "routing"
SYSTEM_ACTOR = f"system:{SOURCE}"
# The actor of the citizen's acts, which arrive as intake's events.
CITIZEN = "citizen"
