"""Figures: Matplotlib, headless (Agg), one function per kind of figure."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pyarrow as pa

HEADLINE = (
    "score_mean",
    "blacklisted_share",
    "false_blacklist_share",
    "default_rate",
    "trust_mean",
    "cooperation_rate",
)


# Panel titles in words, and the unit on the y axis.
TITLES = {
    "score_mean": ("mean score", "score"),
    "blacklisted_share": ("blacklisted", "share of citizens"),
    "false_blacklist_share": ("wrongly blacklisted (a false cause)", "share of citizens"),
    "default_rate": ("missed payments, per bill due", "rate"),
    "trust_mean": ("mean generalized trust", "trust (0-1)"),
    "cooperation_rate": ("cooperation: helps per interaction", "rate"),
    "chilling": ("chilling: drop in critical posting", "share of expected"),
    "ties_cut_share": ("ties cut", "share of ties"),
}


def metric_title(metric: str) -> tuple[str, str]:
    if metric in TITLES:
        return TITLES[metric]
    if metric.startswith("false_blacklist_"):
        return (
            f"wrongly blacklisted: {metric.removeprefix('false_blacklist_').replace('_', ' ')}",
            "share of citizens",
        )
    return (metric.replace("_", " "), "")


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
        words, unit = metric_title(name)
        ax.set_title(words, fontsize=10)
        ax.set_xlabel("day")
        ax.set_ylabel(unit, fontsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


COMPARE_PANELS = (
    "trust_mean",
    "cooperation_rate",
    "blacklisted_share",
    "false_blacklist_share",
    "chilling",
    "ties_cut_share",
)
CAUSE_PANELS = (
    "false_blacklist_health",
    "false_blacklist_income",
    "false_blacklist_misflagged_post",
    "false_blacklist_slander",
    "false_blacklist_association",
    "false_blacklist_class_label",
    "false_blacklist_misjudged",
)


def plot_compare(comparison, metrics: tuple[str, ...] = COMPARE_PANELS):
    """One panel per metric over time, one line per regime (the mean over seeds, with its 95% band)."""
    from socialcredit.experiments.compare import t_quantile

    df = comparison.long.to_pandas()
    cols = 3
    rows = math.ceil(len(metrics) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3 * rows), squeeze=False, sharey=metrics == CAUSE_PANELS)
    seeds = df["seed"].nunique() if "seed" in df else 1
    for ax, metric in zip(axes.flat, metrics, strict=False):
        part = df[df.metric == metric]
        for regime, g in part.groupby("regime", sort=False):
            by_day = g.groupby("day")["value"]
            mean = by_day.mean()
            (line,) = ax.plot(mean.index, mean.to_numpy(), label=regime)
            if seeds > 1:  # a band: the 95% confidence interval of the mean over the seeds
                half = by_day.std(ddof=1) / np.sqrt(by_day.count()) * t_quantile(seeds - 1)
                ax.fill_between(mean.index, mean - half, mean + half, color=line.get_color(), alpha=0.2, lw=0)
        words, unit = metric_title(metric)
        ax.set_title(words, fontsize=10)
        ax.set_xlabel("day")
        ax.set_ylabel(unit, fontsize=8)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 7), fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def plot_false_blacklist_causes(comparison):
    """Wrongly blacklisted share at the end of each run, stacked by ground-truth cause."""
    regimes = list(comparison.summaries)
    fig, ax = plt.subplots(figsize=(9, 4))
    bottom = [0.0] * len(regimes)
    for metric in CAUSE_PANELS:
        values = [comparison.summaries[r].get(metric) or 0.0 for r in regimes]
        values = [0.0 if isinstance(v, float) and math.isnan(v) else v for v in values]
        if any(values):
            ax.bar(regimes, values, bottom=bottom, label=metric.removeprefix("false_blacklist_"))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("share of population wrongly blacklisted")
    ax.set_title("Wrongly blacklisted at the end of the run, by cause (ground truth)", fontsize=10)
    if any(bottom):
        ax.set_ylim(0, max(bottom) * 1.08)
        ax.legend(fontsize=8)
    ax.tick_params(axis="x", rotation=20)
    fig.tight_layout()
    return fig


def plot_score_distributions(comparison):
    """One small panel per regime that keeps a score: the histogram of the final score, with
    the blacklist cut-off (`lists.score_blacklist_below`) drawn where the regime lists by score."""
    kept = {r: s[~np.isnan(s)] for r, s in comparison.scores.items()}
    kept = {r: s for r, s in kept.items() if s.size}
    cols = min(4, max(1, len(kept)))
    rows = max(1, math.ceil(len(kept) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), squeeze=False, sharex=True)
    low = min((float(s.min()) for s in kept.values()), default=0.0)
    high = max((float(s.max()) for s in kept.values()), default=1.0)
    bins = np.linspace(low, high, 61)
    for ax, (regime, scores) in zip(axes.flat, kept.items(), strict=False):
        ax.hist(scores, bins=bins, density=True, color="tab:blue")
        scenario = comparison.scenarios.get(regime)
        cut = getattr(getattr(scenario, "lists", None), "score_blacklist_below", None)
        if cut is not None and getattr(scenario.lists, "enabled", True):
            ax.axvline(cut, color="tab:red", linestyle="--", linewidth=1)
            ax.text(cut, ax.get_ylim()[1] * 0.95, f" cut-off {cut:g}", color="tab:red", fontsize=7, va="top")
        ax.set_title(regime, fontsize=10)
        ax.set_xlabel("score at the end", fontsize=8)
        ax.set_ylabel("density", fontsize=8)
    for ax in list(axes.flat)[len(kept) :]:
        ax.set_visible(False)
    fig.suptitle("Final score distribution per regime (dashed: blacklist cut-off)", fontsize=11)
    fig.tight_layout()
    return fig


def save_run_figures(results, folder):
    """Write a run's overview figure as PNG into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    fig = results.plot()
    fig.savefig(folder / "overview.png", dpi=110)
    plt.close(fig)


def save_compare_figures(comparison, folder):
    """Write every comparison figure as PNG into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "over_time.png": plot_compare(comparison),
        "false_blacklist_causes.png": plot_false_blacklist_causes(comparison),
        "false_blacklist_over_time.png": plot_compare(comparison, CAUSE_PANELS),
        "score_distributions.png": plot_score_distributions(comparison),
    }
    for name, fig in figures.items():
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)


def plot_validation(validation):
    """One panel per pattern: the expected band (target ± tolerance, or the side of zero a
    direction expects) against the measured mean, its 95% CI and each seed's value."""
    outcomes = validation.outcomes
    cols = 4
    rows = max(1, math.ceil(len(outcomes) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.4 * rows), squeeze=False)
    colours = {"pass": "tab:green", "fail": "tab:red", "calibration target": "tab:blue"}
    for ax, o in zip(axes.ravel(), outcomes, strict=False):
        p = o.pattern
        ax.set_title(f"{p.id} ({p.role.replace('_', '-')})", fontsize=8)
        ax.set_yticks([])
        if math.isnan(o.mean):
            ax.text(0.5, 0.5, "not measurable:\n" + _wrap(o.note, 40), ha="center", va="center", fontsize=7)
            ax.set_xticks([])
            continue
        colour = colours.get(o.verdict, "black")
        if p.direction is None:
            ax.axvspan(p.target - p.tolerance, p.target + p.tolerance, color="0.85", label="target ± tolerance")
            ax.axvline(p.target, color="0.5", lw=1)
        else:
            span = max(
                abs(o.low) if not math.isnan(o.low) else 0, abs(o.high) if not math.isnan(o.high) else 0, abs(o.mean)
            )
            span = span * 1.3 or 1.0
            ax.axvspan(
                -span if p.direction == "negative" else 0, 0 if p.direction == "negative" else span, color="0.85"
            )
            ax.axvline(0, color="0.5", lw=1)
        if not math.isnan(o.low):
            ax.errorbar([o.mean], [0.5], xerr=[[o.mean - o.low], [o.high - o.mean]], fmt="o", color=colour, capsize=3)
        else:
            ax.plot([o.mean], [0.5], "o", color=colour)
        ax.plot(o.values, [0.3] * len(o.values), "|", color=colour, alpha=0.6)
        ax.set_ylim(0, 1)
        ax.set_xlabel(_wrap(p.quantity, 45), fontsize=7)
        ax.tick_params(labelsize=7)
        ax.text(0.98, 0.9, o.verdict, transform=ax.transAxes, ha="right", va="top", fontsize=7, color=colour)
    for ax in axes.ravel()[len(outcomes) :]:
        ax.axis("off")
    fig.suptitle("validation: expected (grey band) against measured (mean, 95% CI, seeds)", fontsize=10)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def save_validation_figure(validation, path):
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = plot_validation(validation)
    fig.savefig(path, dpi=110)
    plt.close(fig)
