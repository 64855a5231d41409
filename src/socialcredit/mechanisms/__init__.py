"""The mechanisms, one module each, in the order they run every day."""

from socialcredit.mechanisms.appeals import Appeals
from socialcredit.mechanisms.base import Mechanism
from socialcredit.mechanisms.data_collection import DataCollection
from socialcredit.mechanisms.life_events import LifeEvents
from socialcredit.mechanisms.lists import Lists
from socialcredit.mechanisms.payments import Payments
from socialcredit.mechanisms.score import Score

MECHANISMS: tuple[type[Mechanism], ...] = (
    DataCollection,
    LifeEvents,
    Payments,
    Score,
    Lists,
    Appeals,
)
