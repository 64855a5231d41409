"""The EU AI Act Art. 5(1)(c) test, read off a scenario's configuration (never its name).

Prohibited: evaluating or classifying people over time on their social behaviour or personal
characteristics (the chapeau), where the score leads to (i) detrimental treatment in social
contexts unrelated to those where the data was collected, or (ii) detrimental treatment
unjustified or disproportionate to the behaviour or its gravity. Each finding names the
parameters that make it so; the verdict is chapeau and ((i) or (ii)).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel

# Where each factor's data comes from, and which context each sanction restricts.
FACTOR_CONTEXT = {
    "credit_history": "finance",
    "fulfillment_capacity": "finance",
    "personal_characteristics": "identity",
    "behaviour": "social life",
    "relationships": "social life",
}
SERVICE_CONTEXT = {
    "loans": "finance",
    "insurance": "finance",
    "flights": "mobility",
    "trains": "mobility",
    "car_rental": "mobility",
    "travel_abroad": "mobility",
    "civil_service_jobs": "employment",
    "journalism_jobs": "employment",
}
SOCIAL = {"behaviour", "relationships", "personal_characteristics"}


@dataclass
class Clause:
    clause: str
    text: str
    met: bool = False
    because: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        self.met = True
        self.because.append(reason)


@dataclass
class Audit:
    regime: str
    prohibited: bool
    clauses: list[Clause]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _weights(s: Any) -> dict[str, float]:
    """Factor weights that actually move a score (score on, weight > 0, fed by an enabled source)."""
    if not s.score.enabled:
        return {}
    w = s.score.weights.model_dump()
    coverage = s.data_collection.coverage if s.data_collection.enabled else None
    fed = {
        "credit_history": s.payments.enabled and coverage is not None and coverage.payments > 0,
        "fulfillment_capacity": True,  # income rank: known from the start
        "personal_characteristics": True,
        "behaviour": _behaviour_sources(s) != [],
        "relationships": True,
    }
    return {k: v for k, v in w.items() if v > 0 and fed[k]}


def _behaviour_sources(s: Any) -> list[str]:
    """What feeds the behaviour factor: purchases, posts, judged interactions, reports."""
    coverage = s.data_collection.coverage if s.data_collection.enabled else None
    sources = []
    if coverage is not None and getattr(s, "purchases", None) and s.purchases.enabled and coverage.shopping > 0:
        sources.append(f"purchases.enabled = true with data_collection.coverage.shopping = {coverage.shopping}")
    if coverage is not None and getattr(s, "posts", None) and s.posts.enabled and coverage.social > 0:
        sources.append(f"posts.enabled = true with data_collection.coverage.social = {coverage.social}")
    if s.interactions.enabled and s.interactions.monitoring_share > 0:
        sources.append(f"interactions.monitoring_share = {s.interactions.monitoring_share} ({s.interactions.norm})")
    if s.reports.enabled:
        sources.append(f"reports.enabled = true (report_penalty = {s.reports.report_penalty})")
    return sources


def audit(scenario: BaseModel) -> Audit:
    s: Any = scenario
    chapeau = Clause("5(1)(c)", "evaluates or classifies people over time on their behaviour or characteristics")
    unrelated = Clause("5(1)(c)(i)", "detrimental treatment in social contexts unrelated to where the data came from")
    excessive = Clause("5(1)(c)(ii)", "detrimental treatment unjustified or disproportionate to the behaviour")
    notes: list[str] = []

    weights = _weights(s)
    for factor, weight in weights.items():
        reason = f"score.weights.{factor} = {weight}"
        if factor == "behaviour":
            reason += " fed by " + "; ".join(_behaviour_sources(s))
        chapeau.add(reason)
    if s.score.enabled and s.score.class_label_penalty > 0:
        chapeau.add(f"score.class_label_penalty = {s.score.class_label_penalty} (an inherited label)")
    lists = s.lists
    court = lists.enabled and lists.court_blacklist and s.payments.enabled
    by_score = lists.enabled and s.score.enabled and lists.score_blacklist_below is not None
    by_reports = s.reports.enabled and s.reports.list_on_accept
    if court:
        chapeau.add("lists.court_blacklist = true (classifies debtors by their payment record over time)")
    if by_reports:
        chapeau.add("reports.list_on_accept = true (classifies people by denunciations)")
    if s.interactions.enabled and s.interactions.monitoring_share > 0 and s.interactions.visibility == "reputation":
        chapeau.add("interactions.visibility = 'reputation' (an institutional good/bad standing)")

    # (i): which data contexts drive a listing, which contexts the listing restricts
    sources: dict[str, set[str]] = {}
    if court:
        sources["lists.court_blacklist = true"] = {"finance"}
    if by_score:
        sources[f"lists.score_blacklist_below = {lists.score_blacklist_below}"] = {FACTOR_CONTEXT[f] for f in weights}
    if by_reports:
        sources["reports.list_on_accept = true"] = {"social life"}
    sanctioned = {SERVICE_CONTEXT[x] for x in lists.sanctions} if lists.enabled else set()
    for source, contexts in sources.items():
        outside = sorted({x for x in lists.sanctions if SERVICE_CONTEXT[x] not in contexts})
        if outside:
            unrelated.add(f"{source} (data from {', '.join(sorted(contexts))}) denies lists.sanctions {outside}")
    if s.shaming.enabled and s.shaming.coverage > 0:
        unrelated.add(f"shaming.coverage = {s.shaming.coverage}: a listing is shown to everyone, everywhere")
    shown = {"score_tier": "the score", "blacklist": "the listing"}.get(s.interactions.visibility)
    if s.interactions.enabled and shown and (weights or sources):
        unrelated.add(f"interactions.visibility = '{s.interactions.visibility}': {shown} decides everyday help")

    # (ii): proportionality and justification
    if sources and len(sanctioned) >= 2:
        excessive.add(
            f"joint punishment: one listing restricts {len(sanctioned)} contexts ({', '.join(sorted(sanctioned))})"
        )
    if sources and not s.appeals.enabled:
        excessive.add("appeals.enabled = false: a listing cannot be contested, whatever its cause")
    if weights.get("relationships"):
        excessive.add(f"score.weights.relationships = {weights['relationships']}: treated for others' behaviour")
    if s.score.enabled and s.score.class_label_penalty > 0:
        excessive.add(f"score.class_label_penalty = {s.score.class_label_penalty}: treated for an inherited label")
    if s.reports.enabled and s.reports.household_spread > 0:
        excessive.add(f"reports.household_spread = {s.reports.household_spread}: households share the punishment")
    if s.reports.enabled and s.reports.unverified != "reject" and s.reports.verification < 1:
        excessive.add(
            f"reports.unverified = '{s.reports.unverified}' with reports.verification = {s.reports.verification}: "
            "sanctions on unchecked accusations"
        )
    if weights.get("behaviour") and any(src.startswith("posts.") for src in _behaviour_sources(s)):
        excessive.add(
            f"posts feed the score through a context-blind classifier (posts.true_positive_rate = "
            f"{s.posts.true_positive_rate}, posts.false_positive_rate = {s.posts.false_positive_rate}): "
            "speech treated as misconduct"
        )

    prohibited = chapeau.met and (unrelated.met or excessive.met)
    if chapeau.met and not prohibited and set(weights) <= {"credit_history", "fulfillment_capacity"}:
        notes.append("credit scoring in its own context: high-risk under Annex III 5(b), not prohibited")
    if not chapeau.met:
        notes.append("no scoring or classification of people over time: Art. 5(1)(c) does not apply")
    return Audit(str(s.regime), prohibited, [chapeau, unrelated, excessive], notes)
