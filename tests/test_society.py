"""Population traits and network layers, generated and loaded."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.society.network import Layer, from_edges, load_edge_list


@pytest.fixture(scope="module")
def sim():
    return Simulation("financial-credit", population=20_000, days=1, seed=3)


def test_traits_are_struct_of_arrays_with_compact_dtypes(sim):
    people = sim.people
    assert people.income.dtype == np.float32 and people.income.shape == (20_000,)
    assert people.household.dtype == np.int32 and people.strategy.dtype == np.int8
    assert people.factors.shape == (5, 20_000)


def test_rural_hukou_is_poorer_and_shared_by_households(sim):
    people = sim.people
    rural = people.hukou == 1
    assert 0.25 < rural.mean() < 0.43
    assert np.median(people.income[rural]) < 0.6 * np.median(people.income[~rural])
    first = np.r_[True, people.household[1:] != people.household[:-1]]
    assert np.all(people.hukou == np.repeat(people.hukou[first], np.diff(np.r_[np.flatnonzero(first), 20_000])))


def test_free_rider_share_and_strategy_mix(sim):
    people = sim.people
    assert abs(people.free_rider.mean() - 0.02) < 4 * np.sqrt(0.02 * 0.98 / 20_000)
    shares = np.bincount(people.strategy, minlength=3) / 20_000
    assert np.allclose(shares, [0.6, 0.2, 0.2], atol=0.015)


def test_network_is_symmetric_simple_and_layered(sim):
    net = sim.network
    src = net.sources()
    assert np.all(src != net.indices)  # no self-loops
    layer = net.layer
    rows = (src.astype(np.int64) * len(Layer) + layer) * net.n + net.indices
    assert np.all(np.diff(rows) > 0)  # each row grouped by layer, then sorted by neighbour
    keys = np.sort(src.astype(np.int64) * net.n + net.indices)
    assert np.all(np.diff(keys) > 0)  # no duplicates
    reverse = net.indices.astype(np.int64) * net.n + src
    assert np.array_equal(np.sort(reverse), keys)  # every tie both ways
    same_household = sim.people.household[src] == sim.people.household[net.indices]
    assert np.all(same_household[layer == Layer.HOUSEHOLD])
    degree = np.diff(net.indptr)
    assert 10 < degree.mean() < 25


def test_cutting_a_tie_cuts_both_directions(sim):
    net = sim.network
    entry = int(net.indptr[5])
    i, j = 5, int(net.indices[entry])
    net.cut(np.array([entry]))
    row_j = slice(net.indptr[j], net.indptr[j + 1])
    back = np.flatnonzero(net.indices[row_j] == i)[0] + net.indptr[j]
    assert not net.active[entry] and not net.active[back]
    assert not net.cliques[Layer.HOUSEHOLD] and not net.cliques[Layer.WORK_UNIT]  # nor a group above it
    net.active[:] = True
    net.cliques[[Layer.HOUSEHOLD, Layer.WORK_UNIT]] = True


def _components_by_scipy(net):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    live = csr_matrix((net.active.astype(np.int8), net.indices.copy(), net.indptr.copy()), shape=(net.n, net.n))
    live.eliminate_zeros()
    labels = connected_components(live, directed=False)[1]
    return int(np.bincount(labels).max()), int(np.count_nonzero(np.diff(live.indptr) == 0))


def _fragmented(**overrides: object) -> Simulation:
    settings = {"network.friendship_rewire": "0", **{k: str(v) for k, v in overrides.items()}}
    return Simulation("none", population=5_000, days=1, seed=2, overrides=[f"{k}={v}" for k, v in settings.items()])


def test_components_join_whole_groups_and_follow_cuts():
    """Small groups and few friendships leave many components; the group shortcut must find the
    same ones as a plain union-find, before and after cuts in every layer."""
    sim = _fragmented(**{"network.friendship_degree": 2, "population.work_unit_size_mean": 2})
    net, rng = sim.network, np.random.default_rng(1)
    assert net.cliques[Layer.HOUSEHOLD] and net.cliques[Layer.WORK_UNIT]
    friendship = np.flatnonzero(net.layer == Layer.FRIENDSHIP)
    for cut in (friendship[rng.random(friendship.shape[0]) < 0.3], rng.choice(net.indices.shape[0], 2_000)):
        net.cut(cut)
        got = net.components()
        assert got == _components_by_scipy(net)
        assert 1 < got[0] < net.n  # fragmented: a wrong join would show
    assert not net.cliques.any()


def test_cutting_kin_who_work_together_breaks_the_work_unit_shortcut():
    """A pair in one household and one work unit is stored once, as a household tie: once it is
    cut, the work unit is no longer a clique, and joining by group would miss a member."""
    household, work = Layer.HOUSEHOLD, Layer.WORK_UNIT
    # Households {0, 1} and {2}; one work unit {0, 1, 2}: the pair 0-1 is stored as household.
    net = from_edges(3, np.array([0, 0, 0, 1]), np.array([1, 1, 2, 2]), np.array([household, work, work, work]))
    net.cliques[[household, work]] = True  # as generated groups
    assert net.components() == (3, 0)
    net.cut(np.array([net.indptr[0]]))  # 0-1, the household tie
    assert not net.cliques[household] and not net.cliques[work]
    assert net.components() == (3, 0)  # 1-2 still ties
    assert _components_by_scipy(net) == (3, 0)


def test_edge_list_csv_remaps_ids_and_drops_loops_and_duplicates(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text(
        "source,target,layer\nalice,bob,friendship\nbob,alice,household\ncarol,carol,friendship\ncarol,dave,work_unit\n"
    )
    net, ids = load_edge_list(path)
    assert list(ids) == ["alice", "bob", "carol", "dave"]
    assert net.n_ties == 2
    assert net.layer[net.indptr[0]] == Layer.HOUSEHOLD  # the duplicate keeps the closer layer


def test_edge_list_parquet_drives_the_population_size(tmp_path):
    path = tmp_path / "edges.parquet"
    pq.write_table(pa.table({"source": [10, 11, 12, 13], "target": [11, 12, 13, 10]}), path)
    sim = Simulation("financial-credit", days=5, seed=1, overrides={"network": {"edge_list": str(path)}})
    assert sim.people.n == 4 and sim.network.n_ties == 4
    sim.run()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source,target\na,b\nc,\n", "line 3"),
        ("source,target,layer\na,b,friendship\nc,d,church\n", "line 3"),
        ("source,target\na,b\nc,d,e\n", "line 3"),
        ("src,dst\na,b\n", "missing column"),
    ],
)
def test_bad_edge_lists_name_the_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as exc:
        load_edge_list(path)
    assert str(path) in str(exc.value)


def test_missing_edge_list(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_edge_list(tmp_path / "nope.csv")
