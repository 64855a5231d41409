"""Population synthesis: every trait of SPEC §2, drawn once from the scenario seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pydantic import Field, model_validator

from socialcredit.core import Params, StateSpec
from socialcredit.society.people import People

URBAN, RURAL = 0, 1
# The relations trust is held toward, in the order of the interaction contexts (household,
# work unit, friendship, stranger) and of the rows of `trust` and `trust_lasting`.
RELATIONS = ("kin", "coworkers", "friends", "strangers")


class StrategyMix(Params):
    """Shares of the three cooperation strategies (normalised to sum to 1)."""

    discriminator: float = Field(0.6, ge=0, le=1, description="helps those it judges good")
    cooperator: float = Field(0.2, ge=0, le=1, description="always helps")
    defector: float = Field(0.2, ge=0, le=1, description="never helps")

    @model_validator(mode="after")
    def _some_mass(self) -> StrategyMix:
        if self.discriminator + self.cooperator + self.defector <= 0:
            raise ValueError("at least one strategy share must be positive")
        return self

    def shares(self) -> np.ndarray:
        s = np.array([self.discriminator, self.cooperator, self.defector], dtype=np.float64)
        return s / s.sum()


class RelationTrust(Params):
    """Mean initial trust in each relation, as the share who trust that relation completely or
    somewhat (World Values Survey, China: family, people known personally, people met for the
    first time; recalled from the validity review, unchecked [R]; docs/model.md §3)."""

    kin: float = Field(0.95, ge=0, le=1, description="household members (WVS 'your family' [R])")
    coworkers: float = Field(0.6, ge=0, le=1, description="work-unit members (WVS 'most people', China ~60% [R])")
    friends: float = Field(0.8, ge=0, le=1, description="friends (WVS 'people you know personally' [R])")
    strangers: float = Field(0.15, ge=0, le=1, description="strangers (WVS 'people you meet for the first time' [R])")

    def means(self) -> tuple[float, ...]:
        """In the order of RELATIONS."""
        return tuple(getattr(self, relation) for relation in RELATIONS)


class PopulationParams(Params):
    """Trait distributions. Sources and reasoning: docs/model.md."""

    median_income: float = Field(33036.0, gt=0, description="median yearly disposable income, yuan")
    income_sigma: float = Field(0.75, ge=0, le=3, description="log-sd of income (lognormal)")
    rural_share: float = Field(0.34, ge=0, le=1, description="share of households with a rural hukou")
    rural_income_factor: float = Field(0.42, gt=0, le=1, description="rural income relative to urban")
    free_rider_share: float = Field(0.02, ge=0, le=1, description="share who deliberately do not pay")
    health_hazard_mean: float = Field(5.2e-4, ge=0, le=0.1, description="mean daily chance of a hospital episode")
    health_hazard_shape: float = Field(
        0.5, gt=0, description="gamma shape of health hazard across citizens (lower: more unequal)"
    )
    posts_per_day: float = Field(1.0, ge=0, le=100, description="mean posting rate")
    critical_share_mean: float = Field(0.05, ge=0, le=1, description="mean share of critical posts")
    opportunism_mean: float = Field(0.1, ge=0, le=1, description="mean propensity to report others")
    trust: RelationTrust = Field(
        default_factory=RelationTrust, description="initial trust by relation, means (docs/model.md)"
    )
    trust_by_relation: bool = Field(
        True,
        description="trust held separately toward kin, co-workers, friends and strangers; false: one trust for all, "
        "learned from every relation (the model before trust by relation)",
    )
    trust_concentration: float = Field(
        10.0, gt=0, le=1e4, description="Beta concentration a + b of initial trust around each mean (spread; assumed)"
    )
    household_size_mean: float = Field(2.62, ge=1, le=20, description="mean household size")
    work_unit_size_mean: float = Field(12.0, ge=1, le=1000, description="mean work-unit size")
    district_size: int = Field(
        65536,
        ge=0,
        le=2**31 - 1,
        description="citizens (consecutive households) of a district: work units and friendship rings form "
        "within one, rewired friendships anywhere (people mostly work and befriend near home); 0: one district",
    )
    bad_class_share: float = Field(0.05, ge=0, le=1, description="households carrying an inherited 'bad class' label")
    strategy_mix: StrategyMix = Field(default_factory=StrategyMix)


# States every simulation has: the traits drawn here, and trust by relation (drawn here, learned
# under M6 and M12). The institutional record's shared states are in `record`; every other state is
# declared by the one mechanism that writes it.
STATES: tuple[StateSpec, ...] = (
    StateSpec("income", "float32", 0.0, "yearly income, yuan (lognormal)"),
    StateSpec("income_rank", "float32", 0.0, "income percentile in [0, 1)"),
    StateSpec("hukou", "int8", URBAN, "household registration: 0 urban, 1 rural"),
    StateSpec("conscientiousness", "float32", 0.5, "trait in [0, 1]"),
    StateSpec("free_rider", "bool", False, "ground truth: deliberately does not pay"),
    StateSpec("health_hazard", "float32", 0.0, "daily chance of a hospital episode"),
    StateSpec("posting_rate", "float32", 0.0, "posts per day"),
    StateSpec("critical_share", "float32", 0.0, "share of one's posts that are critical"),
    StateSpec("opportunism", "float32", 0.0, "propensity to report others"),
    StateSpec("strategy", "int8", 0, "0 discriminator, 1 cooperator, 2 defector"),
    StateSpec("household", "int32", 0, "household id (members are contiguous ids)"),
    StateSpec("work_unit", "int32", 0, "work-unit id"),
    StateSpec("class_label", "int8", 0, "inherited label: 1 'bad class' (historical regimes)"),
    StateSpec(
        "trust",
        "uint16",
        0,
        "trust by relation (rows: RELATIONS), in units of 1/TRUST_UNIT: the belief a partner in that relation "
        "deserves help, learned from experience (M6) and from events (M12)",
        rows=4,
    ),
    StateSpec(
        "trust_lasting",
        "uint8",
        0,
        "the slow, lasting part of trust by relation (rows: RELATIONS), in units of 1/LASTING_UNIT (M12)",
        rows=4,
    ),
)

TRUST_UNIT = 65535  # trust is stored as uint16: 1.5e-5 resolution, 2 bytes a relation
LASTING_UNIT = 255  # the lasting part changes monthly, by unbiased stochastic rounding: 1 byte a relation


def pool_trust(trust: np.ndarray) -> None:
    """One trust for every relation (`trust_by_relation` false): row 0, learned from every
    relation, copied to the others."""
    trust[1:] = trust[0]


def trust_levels(people: People) -> np.ndarray:
    """Trust by relation in [0, 1], (4, n) float32."""
    return people.trust.astype(np.float32) * np.float32(1.0 / TRUST_UNIT)


def _group_ids(rng: np.random.Generator, n: int, mean_size: float) -> np.ndarray:
    """Contiguous group ids with sizes 1 + Poisson(mean - 1)."""
    count = int(n / mean_size * 1.2) + 16
    sizes = 1 + rng.poisson(mean_size - 1.0, size=count)
    while sizes.sum() < n:  # pragma: no cover - only for tiny n with bad luck
        sizes = np.concatenate([sizes, 1 + rng.poisson(mean_size - 1.0, size=count)])
    return np.repeat(np.arange(sizes.shape[0], dtype=np.int32), sizes)[:n]


def synthesize(people: People, params: PopulationParams, stream: Callable[[str], np.random.Generator]) -> None:
    """Draw every trait into `people` (whose STATES are allocated), each from its own stream
    `stream(trait)`: changing one trait's parameters leaves every other trait as it was."""
    n = people.n
    rng = stream("households")
    household = _group_ids(rng, n, params.household_size_mean)
    n_households = int(household[-1]) + 1
    rural_household = stream("hukou").random(n_households) < params.rural_share
    bad_household = stream("class_label").random(n_households) < params.bad_class_share
    people.household[:] = household
    people.hukou[:] = np.where(rural_household[household], RURAL, URBAN)
    people.class_label[:] = bad_household[household]

    rng = stream("work_units")
    units = _group_ids(rng, n, params.work_unit_size_mean)
    people.work_unit[:] = shuffle_within_districts(rng, units, params.district_size)

    # Urban and rural medians are set so that the overall median stays near median_income.
    rural = people.hukou == RURAL
    urban_median = params.median_income / (params.rural_income_factor**params.rural_share)
    log_median = np.log(urban_median) + np.where(rural, np.log(params.rural_income_factor), 0.0)
    people.income[:] = np.exp(log_median + params.income_sigma * stream("income").standard_normal(n))
    order = np.argsort(people.income, kind="stable")
    people.income_rank[order] = np.arange(n, dtype=np.float32) / n

    people.conscientiousness[:] = stream("conscientiousness").beta(5.0, 5.0, size=n)
    people.free_rider[:] = stream("free_rider").random(n) < params.free_rider_share
    shape = params.health_hazard_shape
    people.health_hazard[:] = stream("health_hazard").gamma(shape, params.health_hazard_mean / shape, size=n)
    np.minimum(people.health_hazard, 0.05, out=people.health_hazard)
    posting = stream("posting_rate")
    people.posting_rate[:] = posting.exponential(params.posts_per_day, size=n) if params.posts_per_day else 0
    people.critical_share[:] = _beta_with_mean(stream("critical_share"), params.critical_share_mean, 10.0, n)
    people.opportunism[:] = _beta_with_mean(stream("opportunism"), params.opportunism_mean, 10.0, n)
    rng = stream("trust")
    for row, mean in enumerate(params.trust.means()):
        level = _beta_with_mean(rng, mean, params.trust_concentration, n)
        people.trust[row] = np.rint(level * TRUST_UNIT).astype(np.uint16)
        people.trust_lasting[row] = np.rint(level * LASTING_UNIT).astype(np.uint8)
    people.strategy[:] = stream("strategy").choice(3, size=n, p=params.strategy_mix.shares()).astype(np.int8)


def shuffle_within_districts(rng: np.random.Generator, values: np.ndarray, district: int) -> np.ndarray:
    """`values` shuffled within each run of `district` consecutive citizens (0: one run).

    Groups formed from the shuffled values are random within a district and, the districts
    being runs of ids, a citizen's ties stay near it in memory: the passes over the network
    then read their neighbours' values from cache rather than from anywhere in memory.
    """
    n = values.shape[0]
    if district == 0 or n <= district:
        return values[rng.permutation(n)]
    full = n - n % district
    out = np.empty_like(values)
    out[:full] = rng.permuted(values[:full].reshape(-1, district), axis=1).ravel()
    out[full:] = values[full:][rng.permutation(n - full)]
    return out


def _beta_with_mean(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Beta draws with the given mean (degenerate means give constants)."""
    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, mean, dtype=np.float32)
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=n)
