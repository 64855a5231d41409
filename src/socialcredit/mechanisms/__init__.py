"""The mechanisms, one module each, in the order they run every day."""

from socialcredit.core import Mechanism
from socialcredit.mechanisms.adaptation import Adaptation
from socialcredit.mechanisms.appeals import Appeals
from socialcredit.mechanisms.data_collection import DataCollection
from socialcredit.mechanisms.interactions import Interactions
from socialcredit.mechanisms.life_events import LifeEvents
from socialcredit.mechanisms.lists import Lists
from socialcredit.mechanisms.payments import Payments
from socialcredit.mechanisms.posts import Posts
from socialcredit.mechanisms.purchases import Purchases
from socialcredit.mechanisms.reports import Reports
from socialcredit.mechanisms.score import Score
from socialcredit.mechanisms.shaming import Shaming

MECHANISMS: tuple[type[Mechanism], ...] = (
    DataCollection,
    LifeEvents,
    Payments,
    Purchases,
    Posts,
    Interactions,
    Reports,
    Score,
    Lists,
    Shaming,
    Appeals,
    Adaptation,
)
