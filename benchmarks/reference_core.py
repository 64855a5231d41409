"""What the reference implementations of the core model share: socialcredit's codes, the check
that a scenario is the core, and the starting society.

`benchmarks/mesa_reference/` (Mesa 3) and `benchmarks/starsim_reference/` (Starsim 3) both
import this, so that both start from the identical society socialcredit builds for a seed and
refuse the same scenarios. Nothing here runs a day of the model.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from socialcredit.engine import Simulation
from socialcredit.society import network as netmod
from socialcredit.society import population as popmod
from socialcredit.society.people import People

# Codes shared with socialcredit's enums (causes.Cause, lists.ListKind, reputation.Strategy),
# written out here rather than imported from socialcredit; tests check they match.
NONE, FREE_RIDING, HEALTH, INCOME, ASSOCIATION, CRITICISM, MISCONDUCT = 0, 1, 2, 3, 6, 7, 8
CLASS_LABEL, PREFERENCE, MISJUDGED = 9, 10, 11
TRUE_CAUSES = (FREE_RIDING, MISCONDUCT, CRITICISM, PREFERENCE)  # the listed did what the rule punishes
CAUSE_LABELS = {FREE_RIDING: "free_riding", HEALTH: "health", INCOME: "income"}
LIST_NONE, LIST_COURT, LIST_SCORE = 0, 1, 2
DISCRIMINATOR, COOPERATOR, DEFECTOR = 0, 1, 2
CONTEXTS = ("household", "work_unit", "friendship", "stranger")  # the first three are network layers
STRANGER = 3
SERVICES = (
    "flights",
    "trains",
    "car_rental",
    "insurance",
    "loans",
    "civil_service_jobs",
    "journalism_jobs",
    "travel_abroad",
)
# Verdict of each norm, indexed [helped][recipient good].
NORMS = {
    "image-scoring": ((False, False), (True, True)),
    "simple-standing": ((True, False), (True, True)),
    "stern-judging": ((True, False), (False, True)),
    "shunning": ((False, False), (False, True)),
}
FACTOR_NAMES = ("credit_history", "fulfillment_capacity", "personal_characteristics", "behaviour", "relationships")


def check_core(scenario: Any, reference: str = "Mesa") -> None:
    """Refuse a scenario beyond the core the references implement, rather than run another model."""
    problems = []
    for name in ("purchases", "posts", "reports", "shaming", "appeals", "adaptation"):
        if getattr(scenario, name).enabled:
            problems.append(f"[{name}] must be disabled")
    for name in ("data_collection", "life_events", "payments", "interactions", "score", "lists"):
        if not getattr(scenario, name).enabled:
            problems.append(f"[{name}] must be enabled")
    inter = scenario.interactions
    if inter.visibility != "score_tier":
        problems.append("interactions.visibility must be 'score_tier'")
    if inter.monitoring_share > 0 and inter.standing not in ("blacklist", "score_tier"):
        problems.append("interactions.standing must be 'blacklist' or 'score_tier'")
    pay = scenario.payments
    if pay.sue_prob < 1 or pay.litigation_days or pay.means_test:
        problems.append(
            "payments: every default is a court default at once (sue_prob = 1, litigation_days = 0, no means_test)"
        )
    lists = scenario.lists
    if lists.rail_restricted_share < 1 or any(v for v in lists.income_gradients.model_dump().values()):
        problems.append(
            "lists: flat service attempts, every train refused (income_gradients 0, rail_restricted_share 1)"
        )
    if scenario.lists.redlist_above is not None or scenario.lists.perks:
        problems.append("lists: no redlist or perks in the core")
    if scenario.network.edge_list:
        problems.append("network.edge_list is not supported")
    if problems:
        raise ValueError(f"not the {reference} core model: " + "; ".join(problems))


def synthesize_society(scenario: Any, n: int, seed: int) -> tuple[People, netmod.Network]:
    """The traits and network socialcredit's engine builds for this seed, by its own code and streams."""
    people = People(n)
    people.allocate(popmod.STATES)
    seeded = cast(Any, SimpleNamespace(seed=seed))  # Simulation.stream needs only the seed
    popmod.synthesize(people, scenario.population, lambda trait: Simulation.stream(seeded, "population", trait))
    network = netmod.generate(
        scenario.network,
        people.household,
        people.work_unit,
        Simulation.stream(seeded, "network"),
        scenario.population.district_size,
    )
    return people, network
