"""Results of a run: the summary, the time series (Arrow), the scenario; saved as one folder."""

from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import platform
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from socialcredit.errors import InputError

FILES = ("scenario.toml", "timeseries.parquet", "summary.json", "manifest.json")


MARKER = ".socialcredit"  # in every folder this tool writes: {"kind": ..., "socialcredit_version": ...}
KINDS = ("run", "compare", "sweep", "validate")


def _marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder this tool wrote, or None. Folders from before the marker count
    by their manifest (run, compare) or sweep.json."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("kind") in KINDS:
            return data
    except (OSError, ValueError):
        pass
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if isinstance(manifest, dict) and "socialcredit_version" in manifest:
            return {"kind": "compare" if "regimes" in manifest else "run", "legacy": True}
    except (OSError, ValueError):
        pass
    if (folder / "sweep.json").is_file() and (folder / "runs").is_dir():
        return {"kind": "sweep", "legacy": True}
    return None


def is_output_folder(folder: str | Path) -> bool:
    """True for a run, compare or sweep folder written by this tool."""
    folder = Path(folder)
    return folder.is_dir() and not folder.is_symlink() and _marker(folder) is not None


def _stem(out: Path) -> str:
    return out.name[:120]  # the hidden siblings' names stay within the 255-byte limit


def check_out(out: str | Path, overwrite: bool = False) -> Path:
    """Refuse an output folder that cannot or must not be written, before any work is done.

    Refused: "" and the working folder (or a folder above it); a file; a symbolic link; an
    existing folder this tool did not write (no marker); an earlier output folder unless
    `overwrite`; a folder whose nearest existing parent is a file or is not writable.
    Returns the path; raises InputError with one line otherwise.
    """
    if str(out).strip() == "":
        raise InputError("--out '': give a folder name")
    out = Path(out)
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise InputError(f"--out {out}: is the working folder (or above it); give a new folder inside it")
    if out.is_symlink():
        raise InputError(f"--out {out}: is a symbolic link; give a folder, not a link")
    if out.exists():
        if not out.is_dir():
            raise InputError(f"--out {out}: is a file, not a folder; give a new folder name")
        if _marker(out) is None:
            raise InputError(
                f"--out {out}: exists and is not a folder written by socialcredit (no {MARKER} marker); "
                "give a new folder name"
            )
        if not overwrite:
            raise InputError(
                f"--out {out}: holds an earlier socialcredit output; pass --overwrite (overwrite=True) to replace it"
            )
    parent = resolved.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"--out {out}: {parent} is a file, not a folder")
    probe = parent / f".socialcredit-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write in {parent} ({exc.strerror or exc})") from None
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: str | Path) -> None:
    """Remove the hidden `.NAME.partial-*` / `.NAME.old-*` siblings that killed runs left.

    Names carry the writer's process id; a sibling of a live process is left alone. If `out`
    is missing and an old copy survived (a kill between the two renames), it is put back.
    """
    out = Path(out)
    if not out.parent.is_dir():
        return
    stem = _stem(out)
    stale = []
    for sibling in out.parent.glob(f".{glob.escape(stem)}.*-*"):
        kind, _, rest = sibling.name[len(stem) + 2 :].partition("-")
        if kind not in ("partial", "old"):
            continue
        pid = rest.split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        stale.append((kind, sibling))
    for kind, sibling in sorted(stale, key=lambda ks: ks[1].stat().st_mtime, reverse=True):
        if kind == "old" and not out.exists() and not out.is_symlink():
            legacy = sibling / "x"  # the layout before process ids: .NAME.old-XXXX/x
            source = legacy if legacy.is_dir() and not (sibling / MARKER).exists() else sibling
            with contextlib.suppress(OSError):
                os.replace(source, out)
        shutil.rmtree(sibling, ignore_errors=True)


def _write_marker(folder: Path, kind: str) -> None:
    from socialcredit import __version__

    text = json.dumps({"kind": kind, "socialcredit_version": __version__}) + "\n"
    (folder / MARKER).write_text(text, encoding="utf-8")


@contextlib.contextmanager
def atomic_dir(out: str | Path, kind: str = "run", overwrite: bool = False) -> Iterator[Path]:
    """Write into a hidden folder beside `out`; move it to `out` only on success.

    `out` is checked first (`check_out`): only an earlier output folder of this tool is
    replaced, and only with `overwrite`. The old folder stays in place until the new one is
    complete; it is renamed aside just before the new one is renamed in, and put back if that
    fails. Folders get the usual permissions (umask), and a `.socialcredit` marker.
    """
    out = check_out(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = out.parent / f".{_stem(out)}.partial-{token}"
    tmp.mkdir()
    try:
        yield tmp
        _write_marker(tmp, kind)
        if out.exists():
            check_out(out, overwrite)  # it may have appeared meanwhile
            old = out.parent / f".{_stem(out)}.old-{token}"
            os.replace(out, old)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def json_clean(value: Any) -> Any:
    """NaN and infinities as null, so the JSON is valid everywhere."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_clean(v) for v in value]
    return value


@dataclass
class Results:
    summary: dict[str, Any]
    timeseries: pa.Table
    scenario: BaseModel | None = None
    timings: dict[str, float] = field(default_factory=dict)
    finished: bool = True
    manifest: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)  # every declared event counter over the run
    node_ids: Any = None  # a loaded edge list's original id of each citizen (a NumPy array), else None

    def to_pandas(self):  # -> pandas.DataFrame
        return self.timeseries.to_pandas()

    def make_manifest(self) -> dict[str, Any]:
        from socialcredit import __version__
        from socialcredit.scenario import edge_list_hash, parameters_hash

        edges = getattr(getattr(self.scenario, "network", None), "edge_list", None)
        return {
            "socialcredit_version": __version__,
            "regime": self.summary.get("regime"),
            "seed": self.summary.get("seed"),
            "population": self.summary.get("population"),
            "days": self.summary.get("days"),
            "parameters_hash": parameters_hash(self.scenario) if self.scenario is not None else None,
            **(
                {"edge_list": edges, "edge_list_sha256": edge_list_hash(self.scenario)}
                if edges and self.scenario
                else {}
            ),
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "files": [MARKER, *FILES],
        }

    def save(self, out: str | Path, figures: bool = True, overwrite: bool = False) -> Path:
        """Write the run folder: scenario.toml, timeseries.parquet, summary.json, manifest.json, figures/.

        An existing `out` is replaced only if it is an earlier output folder of this tool and
        `overwrite` is true; anything else is refused (InputError) before writing.
        """
        from socialcredit.scenario import to_toml

        if not self.finished:
            raise ValueError("the run has not finished; finish it before saving")
        out = Path(out)
        with atomic_dir(out, "run", overwrite) as tmp:
            if self.scenario is not None:
                (tmp / "scenario.toml").write_text(to_toml(self.scenario), encoding="utf-8")
            pq.write_table(self.timeseries, tmp / "timeseries.parquet")
            (tmp / "summary.json").write_text(json.dumps(json_clean(self.summary), indent=2) + "\n")
            if self.node_ids is not None:  # a loaded edge list: citizen i is the network's node_ids[i]
                pq.write_table(
                    pa.table({"citizen": range(len(self.node_ids)), "id": self.node_ids}), tmp / "citizens.parquet"
                )
            if figures:
                from socialcredit.report import save_run_figures

                save_run_figures(self, tmp / "figures")
            self.manifest = self.make_manifest()
            if figures:
                self.manifest["files"].append("figures/")
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2) + "\n")
        return out

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        from socialcredit.scenario import load_scenario

        folder = Path(folder)
        missing = [f for f in FILES if not (folder / f).is_file()]
        if missing:
            raise InputError(f"{folder}: not a finished run folder (missing {', '.join(missing)})")
        return cls(
            summary=json.loads((folder / "summary.json").read_text()),
            timeseries=pq.read_table(folder / "timeseries.parquet"),
            scenario=load_scenario(folder / "scenario.toml"),
            manifest=json.loads((folder / "manifest.json").read_text()),
        )

    def plot(self, metrics: tuple[str, ...] | None = None):  # -> matplotlib.figure.Figure
        """A small-multiples figure of the headline metrics over time."""
        from socialcredit.report import plot_timeseries

        return plot_timeseries(self.timeseries, metrics, title=str(self.summary.get("regime", "")))
