"""Checkpoints: the whole state of a simulation in one file, to continue it or branch from it.

Format (version `FORMAT`): one uncompressed NumPy `.npz` archive (a zip of `.npy` arrays,
exact for every dtype and shape, loaded with `allow_pickle=False` so a file can never run
code; about 0.7 s per 10^6 citizens to write, and a checkpoint is written more often than it
is read). Entries: `people/<state>` and `ties/<state>` (every declared state),
`network/active` and `network/cliques` (the cut ties), `log/<mechanism>/<attribute>/<k>` (the
mechanisms' declared logs), and `meta`: UTF-8 JSON with the format, the package version, the
fully resolved scenario (TOML), the day, the event totals, the recorder's rows and a hash of
the network's layout. No random-generator state is stored: every draw is keyed by (seed,
mechanism, decision, day), so the days after a load draw exactly what an uninterrupted run
draws. The network is rebuilt from the scenario and checked against the hash.

Writes are atomic: a temporary file beside the target, then a rename, so a kill mid-write
leaves the previous checkpoint valid.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from socialcredit.errors import InputError

if TYPE_CHECKING:
    from socialcredit.engine import Simulation

FORMAT = 1
SUFFIX = ".npz"


def _layout_hash(sim: Simulation) -> str:
    net = sim.network
    digest = hashlib.sha256(net.indptr.tobytes())
    digest.update(net.indices.tobytes())
    return digest.hexdigest()[:16]


def save(sim: Simulation, path: str | Path) -> Path:
    """Write `sim`'s whole state to `path` (a .npz file), atomically."""
    from socialcredit import __version__
    from socialcredit.scenario import to_toml

    path = Path(path)
    if path.suffix != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    arrays: dict[str, np.ndarray] = {}
    for name, array in sim.people.arrays().items():
        arrays[f"people/{name}"] = array
    for name, array in sim.network.states.arrays().items():
        arrays[f"ties/{name}"] = array
    arrays["network/active"] = sim.network.active
    arrays["network/cliques"] = sim.network.cliques
    for mechanism in sim.active:  # an idle mechanism keeps no log
        for log in mechanism.logs:
            for k, column in enumerate(getattr(mechanism, log)):
                arrays[f"log/{mechanism.name}/{log}/{k}"] = column
    recorder = sim.recorder
    meta = {
        "format": FORMAT,
        "socialcredit_version": __version__,
        "scenario": to_toml(sim.scenario),
        "day": sim.day,
        "totals": sim.totals,
        "recorder": {
            "rows": recorder.rows,
            "last_totals": recorder.last_totals,
            "start_day": recorder.start_day,
            "last_day": recorder.last_day,
        },
        "layout": _layout_hash(sim),
    }
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_meta(path: str | Path) -> dict[str, Any]:
    """The metadata of a checkpoint, checked: one clear line if it is not a usable checkpoint."""
    from socialcredit import __version__

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: checkpoint not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"{path}: not a socialcredit checkpoint or corrupt ({type(exc).__name__})") from None
    if meta.get("format") != FORMAT or meta.get("socialcredit_version") != __version__:
        raise InputError(
            f"{path}: checkpoint format {meta.get('format')} of socialcredit {meta.get('socialcredit_version')}; "
            f"allowed: format {FORMAT} of socialcredit {__version__} (rerun the burn-in with this version)"
        )
    return meta


def load(path: str | Path) -> Simulation:
    """A Simulation in the state `save` wrote, ready to step on."""
    from socialcredit import metrics
    from socialcredit.engine import Simulation
    from socialcredit.scenario import _parse_toml, validate

    path = Path(path)
    meta = read_meta(path)
    scenario = validate(_parse_toml(meta["scenario"], str(path)), f"{path} (scenario)")
    sim = Simulation(scenario)
    if _layout_hash(sim) != meta["layout"]:
        raise InputError(
            f"{path}: the network rebuilt from its scenario differs from the saved one (edge list changed?)"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            for key in data.files:
                kind, _, name = key.partition("/")
                if kind in ("people", "ties"):
                    states = sim.people if kind == "people" else sim.network.states
                    target = getattr(states, name)
                    if target.shape != data[key].shape:
                        raise ValueError(f"{key} has shape {data[key].shape}, expected {target.shape}")
                    target[...] = data[key]
            sim.network.active[:] = data["network/active"]
            sim.network.cliques[:] = data["network/cliques"]
            for mechanism in sim.active:
                for log in mechanism.logs:
                    prefix = f"log/{mechanism.name}/{log}/"
                    columns = sorted(
                        (k for k in data.files if k.startswith(prefix)), key=lambda k: int(k.rsplit("/", 1)[1])
                    )
                    setattr(mechanism, log, tuple(data[k] for k in columns))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: corrupt checkpoint ({exc})") from None
    sim.day = int(meta["day"])
    sim.totals = {key: float(meta["totals"].get(key, 0.0)) for key in sim.totals}
    sim.recorder = metrics.Recorder(sim)
    saved = meta["recorder"]
    sim.recorder.rows = saved["rows"]
    sim.recorder.last_totals = saved["last_totals"]
    sim.recorder.start_day = saved["start_day"]
    sim.recorder.last_day = saved["last_day"]
    return sim
