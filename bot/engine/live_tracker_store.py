"""Rasa's in-memory tracker store without the JSON round trip.

``InMemoryTrackerStore`` serialises a conversation's whole tracker on every
save and parses it back on every read. Within one process, and with the
conversation lock held around each turn (``RasaAgentEngine.handle``), keeping
the tracker object itself is equivalent and about a tenth of Rasa's work per
message cheaper. Several processes share state through Redis instead.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions


class LiveTrackerStore(TrackerStore):
    def __init__(
        self,
        domain: Domain,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Dict[Text, Any],
    ) -> None:
        # Streaming to a broker diffs the stored tracker against the new one,
        # which needs a copy; this store keeps none.
        if event_broker is not None:
            raise ValueError("LiveTrackerStore cannot stream to an event broker")
        super().__init__(domain, None, **kwargs)
        self.trackers: Dict[Text, DialogueStateTracker] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.trackers[tracker.sender_id] = tracker

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation's current session, as Rasa's own stores return it."""
        tracker = self.trackers.get(sender_id)
        if tracker is None:
            return None
        sessions = get_trackers_for_conversation_sessions(tracker)
        return tracker if len(sessions) <= 1 else sessions[-1]

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return self.trackers.get(sender_id)

    async def keys(self) -> Iterable[Text]:
        return self.trackers.keys()
