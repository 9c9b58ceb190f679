"""Notification's one handler table: each event's clocks, then the notices they imply, in the
consumer's transaction.

Notification had two consumer groups over the case events, `notification.deadlines` (the
law's clocks) and `notification.notices` (officials' and citizens' notices). Both wrote the
same tracked case, each paid its own transactions, and each recorded the events it handled
under its own name in `processed_events`. One group, `notification.cases`, now does both
parts of an event, clocks first.

Exactly once per part, across the switch from the two groups to the one:

- Each part keeps its record under the old group's name (`shared.messaging.consumer.Part`),
  claimed in the transaction that does the part, in the consumer's `INSERT … ON CONFLICT DO
  NOTHING` of the batch's records. A part already recorded, by an
  old group before the switch or by this group on a redelivery, is skipped; a part that was
  not is done. A claim, unlike a look-up, waits for an old replica that is handling the same
  event during a rolling update, and then finds its row (or takes the part if it rolled back).
- The group starts, on each partition it has not committed yet, at the lowest offset the two
  old groups committed there (`TAKES_OVER`, shared.bus.base.Bus.subscribe), so that the events
  one old group had handled and the other had not are read again, and only the missing part
  is done. Offsets are the groups' own, on either bus: the embedded log's `group_offsets`,
  Kafka's committed offsets.

The consumer also records the event under its own group's name, in the same statement: that
record keeps the batch's bookkeeping, the parts' records keep each part once. So the records
of an event are the same two as before the switch, plus the group's.
"""

from __future__ import annotations

from services.notification.deadlines import handlers as clocks
from services.notification.deadlines import recommendations
from services.notification.deadlines.service import NotificationDeps
from services.notification.notices import handlers as notices
from shared.messaging.consumer import DepsHandler, Part, bind

GROUP = "notification.cases"
CLOCKS, NOTICES = "notification.deadlines", "notification.notices"
TAKES_OVER = (CLOCKS, NOTICES)  # the groups GROUP replaced, each now the record of one part

# The two parts' tables, in the order they run: a case's clocks (and a board's), its notices.
CLOCK_HANDLERS: dict[str, DepsHandler[NotificationDeps]] = (
    clocks.HANDLERS | recommendations.HANDLERS
)
NOTICE_HANDLERS: dict[str, DepsHandler[NotificationDeps]] = notices.HANDLERS


def parts(deps: NotificationDeps, *, prefix: str = "") -> list[Part]:
    """Each event's clocks, then its notices, each unless already recorded.

    `prefix` is the deployment's group prefix (settings.kafka_group_prefix): the old groups'
    records carry it, as the groups did."""
    return [
        Part(prefix + CLOCKS, bind(CLOCK_HANDLERS, deps)),
        Part(prefix + NOTICES, bind(NOTICE_HANDLERS, deps)),
    ]
