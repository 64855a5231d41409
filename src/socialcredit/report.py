"""Figures: Matplotlib, headless (Agg), one function per kind of figure."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pyarrow as pa

HEADLINE = (
    "score_mean",
    "blacklisted_share",
    "false_blacklist_share",
    "default_rate",
    "trust_mean",
    "cooperation_rate",
)


def plot_timeseries(table: pa.Table, metrics: tuple[str, ...] | None = None, title: str = ""):
    """One panel per metric against the day; metrics that are all NaN are skipped."""
    names = [m for m in (metrics or HEADLINE) if m in table.column_names]
    names = [m for m in names if any(v is not None and not math.isnan(v) for v in table[m].to_pylist())]
    cols = 3
    rows = max(1, math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    day = table["day"].to_numpy()
    for ax, name in zip(axes.flat, names, strict=False):
        ax.plot(day, table[name].to_numpy(zero_copy_only=False))
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("day")
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
