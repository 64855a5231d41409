"""The browser dashboard: a Panel page (Bokeh charts) over one `Session` per browser tab.

The page never steps a run itself: the session steps in its background thread, and a
periodic callback (`REFRESH_MS`) draws the latest snapshot, streaming only new time-series
points (`ColumnDataSource.stream`). Panel ships its JavaScript, so the page works offline.
"""

from __future__ import annotations

import html
import math
import socket
import sys
import time
from collections import deque
from concurrent.futures import Future
from typing import Any

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, FactorRange, HoverTool
from bokeh.models.annotations import Span
from bokeh.palettes import Category10
from bokeh.plotting import figure
from bokeh.transform import dodge

from socialcredit.cli.common import fmt, label
from socialcredit.dashboard.session import FIELDS, MAX_REGIMES, FieldSpec, Session, Settings, layout
from socialcredit.errors import InputError
from socialcredit.mechanisms.lists import SERVICES
from socialcredit.report import CAUSE_PANELS, COMPARE_PANELS, metric_title
from socialcredit.scenario import regime_names

REFRESH_MS = 200  # the page's frame period: 5 frames a second, however fast the runs step
COLORS = Category10[10]
NONE = "–"
OWN = "regime's own"
SWITCH = {OWN: None, "on": True, "off": False}
DENIALS = tuple(f"denied_{s}" for s in SERVICES)
TABLE = (
    *COMPARE_PANELS,
    "score_mean",
    "blacklist_precision",
    *CAUSE_PANELS,
    "reports_total",
    *DENIALS,
)
WRAP = {"white-space": "pre-wrap", "overflow-wrap": "anywhere", "font-size": "smaller"}  # long lines in the sidebar
ERROR: dict[str, Any] = {"width": 240, "styles": {**WRAP, "color": "#b00020"}}
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"  # save: the chart as PNG


def short(metric: str) -> str:
    return metric.removeprefix("false_blacklist_").removeprefix("denied_").replace("_", " ")


def _chart(title: str, height: int = 220, **kwargs: Any) -> Any:
    fig = figure(title=title, height=height, sizing_mode="stretch_width", tools=TOOLS, **kwargs)
    fig.toolbar.logo = None
    return fig


class Page:
    """The widgets, charts and tables of one browser tab, drawn from `session.snapshot`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        s = session.settings
        names = regime_names()
        self.regimes = [
            pn.widgets.Select(
                label=f"regime {i + 1}",
                options=[NONE, *names] if i else names,
                value=s.regimes[i] if i < len(s.regimes) else NONE,
                width=150,
            )
            for i in range(MAX_REGIMES)
        ]
        self.population = pn.widgets.IntInput(label="citizens", value=s.population, width=150)
        self.seed = pn.widgets.IntInput(label="seed", value=s.seed, width=150)
        self.days = pn.widgets.IntInput(label="days", value=s.days, width=150)
        self.specs = {path: FieldSpec.of(path) for path in FIELDS}
        self.fields = {path: self._field(spec, s.values.get(path)) for path, spec in self.specs.items()}
        inputs = {"run.population": self.population, "run.seed": self.seed, "run.days": self.days, **self.fields}
        self.errors = {path: pn.pane.Str("", name=f"error {path}", **ERROR) for path in inputs}
        self.general = pn.pane.Str("", name="error", **ERROR)
        for widget in (*self.regimes, *inputs.values()):
            widget.param.watch(lambda _: self.apply(), "value")
        self.buttons = {
            name: pn.widgets.Button(
                label=name, width=56, margin=(5, 2), color="primary" if name == "Play" else "default"
            )
            for name in ("Play", "Pause", "Step", "Reset")
        }
        self.buttons["Play"].on_click(lambda _: session.play())
        self.buttons["Pause"].on_click(lambda _: session.pause())
        self.buttons["Step"].on_click(lambda _: session.step())
        self.buttons["Reset"].on_click(lambda _: self._say(session.reset()))
        self.status = pn.pane.Str("", name="status")
        self.command = pn.pane.Str("", styles={"font-size": "smaller"}, name="command")
        self.export_to = pn.widgets.TextInput(label="export run folders under", value="runs/dashboard", width=220)
        self.export_button = pn.widgets.Button(label="Export", width=70)
        self.export_button.on_click(lambda _: self.export())
        self.export_note = pn.pane.HTML("", name="export", width=240)
        self.exporting: Future | None = None
        self.citizen = pn.widgets.IntInput(label="inspect citizen", value=session.focus, width=150)
        self.citizen.param.watch(lambda event: self.inspect(event.new), "value")
        self.inspector = pn.pane.HTML("", sizing_mode="stretch_width", name="inspector")
        self.numbers = pn.pane.HTML("", sizing_mode="stretch_width", name="numbers")
        self.charts = pn.Column(sizing_mode="stretch_width")
        self.drawn = -1  # the snapshot version the charts are for
        self.drawn_focus = -1  # the citizen the network view is drawn around
        self.network_row = pn.Row(sizing_mode="stretch_width")
        self.network_figures: dict[str, Any] = {}
        self.shown: Any = None  # the snapshot on the page
        self.sent: dict[str, int] = {}
        self.frames: deque[float] = deque(maxlen=50)
        self.series: dict[str, ColumnDataSource] = {}
        self.histograms: dict[str, ColumnDataSource] = {}
        self.nodes: dict[str, ColumnDataSource] = {}
        self.ties: dict[str, ColumnDataSource] = {}
        self.bars: dict[str, dict[str, ColumnDataSource]] = {}  # chart -> regime -> source

    def _field(self, spec: FieldSpec, value: Any) -> Any:
        tip = f"{spec.description} (accepts: {spec.accepts}{'; empty: unset' if spec.optional else ''})"
        if spec.kind == "bool":
            shown = OWN if value is None else ("on" if value else "off")
            return pn.widgets.Select(label=spec.path, options=list(SWITCH), value=shown, description=tip, width=220)
        kind = pn.widgets.IntInput if spec.kind == "int" else pn.widgets.FloatInput
        return kind(label=spec.path, value=value, placeholder=OWN, description=tip, width=220)

    # --- settings -----------------------------------------------------------------------

    def settings(self) -> Settings:
        regimes = tuple(w.value for w in self.regimes if w.value != NONE)
        values = {
            path: SWITCH[w.value] if self.specs[path].kind == "bool" else w.value for path, w in self.fields.items()
        }
        values = {path: v for path, v in values.items() if v is not None}
        return Settings(
            regimes=regimes,
            population=self.population.value,
            seed=self.seed.value,
            days=self.days.value,
            values=values,
            fixed=self.session.settings.fixed,
        )

    def apply(self) -> str:
        """Check the settings; if good, rebuild the runs (in the background); else show the error by its field."""
        message = self.session.apply(self.settings())
        self._say(message)
        return message

    def _say(self, message: str) -> None:
        """Put a one-line error next to the field it names (or above the pickers); clear the rest."""
        target = self.general
        key = message.split("): ", 1)[1].split(" ")[0].rstrip(":") if "): " in message else ""
        for path, pane in self.errors.items():
            if key and (path == key or path.startswith(key + ".")) and target is self.general:
                target = pane
        for pane in (self.general, *self.errors.values()):
            pane.object = message if pane is target else ""

    def inspect(self, citizen: int) -> None:
        try:
            self.session.inspect(citizen)
        except InputError as exc:
            self.inspector.object = f"<p style='color:#b00020'>error: {html.escape(str(exc))}</p>"

    def export(self) -> None:
        self._note("exporting…")
        self.exporting = self.session.export(self.export_to.value or "")

    # --- drawing ------------------------------------------------------------------------

    def refresh(self) -> None:
        """One frame: redraw what changed in the latest snapshot (called every REFRESH_MS)."""
        snap = self.session.snapshot
        self._poll_export()
        if snap is None:
            return
        if snap.version != self.drawn:
            self._new_charts(snap)
        elif snap.focus != self.drawn_focus:
            self._focus(snap)
        if snap is not self.shown:
            self.frames.append(time.perf_counter())
            for regime, rows in snap.rows.items():
                new = rows[self.sent[regime] :]
                if new:
                    self.series[regime].stream({k: [r[k] for r in new] for k in ("day", *TABLE)})
                    self.sent[regime] = len(rows)
                self.histograms[regime].data = {**self.histograms[regime].data, "top": snap.histograms[regime]}
                self._network(snap, regime)
            for regime in snap.rows:
                self.bars["causes"][regime].data = self._bars(snap, regime, CAUSE_PANELS)
                self.bars["denials"][regime].data = self._bars(snap, regime, DENIALS)
            self.numbers.object = self._numbers(snap)
            self._inspector(snap)
            self.shown = snap
        self._status(snap)

    def _note(self, text: str) -> None:
        """The export's outcome, wrapped anywhere (paths are long), one line per folder."""
        lines = "<br>".join(html.escape(line) for line in text.splitlines())
        self.export_note.object = f"<div style='overflow-wrap:anywhere;font-size:smaller'>{lines}</div>"

    def _poll_export(self) -> None:
        if self.exporting is None or not self.exporting.done():
            return
        error = self.exporting.exception()
        if error is not None:
            self._note(f"error: {error}".splitlines()[0])
        else:
            self._note("wrote " + "\n".join(f"{p}/" for p in self.exporting.result()))
        self.exporting = None

    def _status(self, snap: Any) -> None:
        session = self.session
        state = "playing" if session.playing else ("done" if session.done else "paused")
        days_per_s, citizen_days = session.step_rate()
        recent = [t for t in self.frames if t > time.perf_counter() - 5]
        fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 and recent[-1] > recent[0] else 0.0
        self.status.object = (
            f"day {snap.day} of {snap.days} · {state} · {fps:.1f} frames/s · {days_per_s:.1f} days/s "
            f"({citizen_days / 1e6:.2f} M citizen-days/s)" + (f"\n{session.error}" if session.error else "")
        )

    def _bars(self, snap: Any, regime: str, metrics: tuple[str, ...]) -> dict[str, list]:
        """Causes from the summary so far (levels now), denials from the event totals so far."""
        values = [snap.summaries[regime].get(m) if m in CAUSE_PANELS else snap.totals[regime][m] for m in metrics]
        return {
            "y": [short(m) for m in metrics],
            "value": [0.0 if v is None or math.isnan(v) else float(v) for v in values],
        }

    def _numbers(self, snap: Any) -> str:
        regimes = list(snap.summaries)
        head = "".join(
            f"<th style='text-align:right;color:{COLORS[i]}'>{html.escape(r)}</th>" for i, r in enumerate(regimes)
        )
        body = "".join(
            f"<tr><td>{html.escape(label(m))}</td>"
            + "".join(
                f"<td style='text-align:right' data-metric='{m}'>{fmt(snap.summaries[r].get(m))}</td>" for r in regimes
            )
            + "</tr>"
            for m in TABLE
        )
        return f"<table style='font-size:12px'><tr><th>day {snap.day} (run) = so far</th>{head}</tr>{body}</table>"

    def _inspector(self, snap: Any) -> None:
        rows = snap.inspected
        regimes = list(rows)
        head = "".join(f"<th>{html.escape(r)}</th>" for r in regimes)
        body = []
        for j, (section, name, _, doc) in enumerate(rows[regimes[0]]):
            cells = "".join(f"<td>{html.escape(rows[r][j][2])}</td>" for r in regimes)
            body.append(f"<tr><td>{section}</td><td>{name}</td>{cells}<td>{html.escape(doc)}</td></tr>")
        self.inspector.object = (
            f"<b>citizen {snap.focus}</b><table style='font-size:12px'>"
            f"<tr><th></th><th>state</th>{head}<th>meaning</th></tr>{''.join(body)}</table>"
        )

    def _node_marks(self, snap: Any, regime: str) -> dict[str, np.ndarray]:
        listed, shamed = snap.listed[regime], snap.shamed[regime]
        return {"color": np.where(listed, "#d62728", "#1f77b4"), "marker": np.where(shamed, "triangle", "circle")}

    def _tie_marks(self, snap: Any, regime: str) -> dict[str, np.ndarray]:
        active = snap.active[regime]
        return {"color": np.where(active, "#999999", "#ff9896"), "alpha": np.where(active, 1.0, 0.35)}

    def _network(self, snap: Any, regime: str) -> None:
        self.nodes[regime].data = {**self.nodes[regime].data, **self._node_marks(snap, regime)}
        self.ties[regime].data = {**self.ties[regime].data, **self._tie_marks(snap, regime)}

    def _new_charts(self, snap: Any) -> None:
        """A new build: fresh sources and charts for its regimes."""
        regimes = list(snap.rows)
        self.series = {
            r: ColumnDataSource(data={k: [] for k in ("day", *TABLE)}, name=f"series-{r}-{snap.version}")
            for r in regimes
        }
        self.sent = dict.fromkeys(regimes, 0)
        time_charts = []
        for metric in COMPARE_PANELS:
            words, unit = metric_title(metric)
            fig = _chart(words, x_axis_label="day", y_axis_label=unit)
            for i, r in enumerate(regimes):
                fig.line("day", metric, source=self.series[r], color=COLORS[i], legend_label=r, line_width=2)
            fig.legend.location = "top_left"
            fig.legend.label_text_font_size = "8pt"
            fig.legend.background_fill_alpha = 0.3  # the lines show through
            time_charts.append(fig)
        centers = (snap.edges[:-1] + snap.edges[1:]) / 2
        hist = _chart("score distribution (share of citizens per bin)", x_axis_label="score")
        self.histograms = {}
        for i, r in enumerate(regimes):
            self.histograms[r] = ColumnDataSource(
                data={"x": centers, "top": snap.histograms[r]}, name=f"histogram-{r}-{snap.version}"
            )
            hist.step(
                "x", "top", source=self.histograms[r], color=COLORS[i], legend_label=r, mode="center", line_width=2
            )
            cut = self.session.sims[r].scenario.lists.score_blacklist_below if r in self.session.sims else None
            if cut is not None:
                hist.add_layout(Span(location=cut, dimension="height", line_color=COLORS[i], line_dash="dashed"))
        bars = []
        for chart, title, metrics in (
            ("causes", "wrongly blacklisted now, by ground-truth cause (share of citizens)", CAUSE_PANELS),
            ("denials", "services denied so far (count)", DENIALS),
        ):
            factors = [short(m) for m in metrics]
            fig = _chart(title, y_range=FactorRange(factors=factors), height=60 + 22 * len(factors))
            width = 0.8 / len(regimes)
            self.bars[chart] = {}
            for i, r in enumerate(regimes):
                source = ColumnDataSource(data=self._bars(snap, r, metrics), name=f"{chart}-{r}-{snap.version}")
                offset = (i - (len(regimes) - 1) / 2) * width
                fig.hbar(
                    y=dodge("y", offset, range=fig.y_range),
                    right="value",
                    height=width,
                    color=COLORS[i],
                    source=source,
                    legend_label=r,
                )
                self.bars[chart][r] = source
            fig.legend.label_text_font_size = "8pt"
            fig.add_tools(HoverTool(tooltips=[("", "@y"), ("value", "@value")]))
            bars.append(fig)
        legend = pn.pane.Str("network: red = blacklisted, triangle = publicly shamed, faint red tie = cut")
        self.charts.objects = [
            pn.GridBox(*time_charts, ncols=3, sizing_mode="stretch_width"),
            pn.Row(hist, *bars, sizing_mode="stretch_width"),
            legend,
            self.network_row,
        ]
        self._new_networks(snap)
        self.command.object = "\n".join(self.session.settings.command(r) for r in regimes)
        self.drawn = snap.version

    def _new_networks(self, snap: Any) -> None:
        """One drawing per regime of the inspected citizen's neighbourhood (same layout in each)."""
        self.network_figures = {}
        for r in snap.rows:
            fig = _chart("", height=260, x_axis_type=None, y_axis_type=None)
            fig.grid.visible = False
            self.ties[r] = ColumnDataSource(name=f"ties-{r}-{snap.version}")
            fig.segment("x0", "y0", "x1", "y1", color="color", alpha="alpha", source=self.ties[r], line_width=1.5)
            self.nodes[r] = ColumnDataSource(name=f"nodes-{r}-{snap.version}")
            fig.scatter("x", "y", size="size", color="color", marker="marker", source=self.nodes[r], line_color="black")
            fig.add_tools(HoverTool(tooltips=[("citizen", "@citizen")]))
            self.network_figures[r] = fig
        self.network_row.objects = list(self.network_figures.values())
        self._focus(snap)

    def _focus(self, snap: Any) -> None:
        """Lay out a new neighbourhood in the existing drawings (cheaper than new figures)."""
        xs, ys = layout(snap.citizens.shape[0])
        a, b = snap.ends[:, 0], snap.ends[:, 1]
        for r, fig in self.network_figures.items():
            fig.title.text = f"{r}: around citizen {snap.focus}"
            self.ties[r].data = {"x0": xs[a], "y0": ys[a], "x1": xs[b], "y1": ys[b], **self._tie_marks(snap, r)}
            size = np.where(np.arange(len(xs)) == 0, 16, 9)
            self.nodes[r].data = {"x": xs, "y": ys, "citizen": snap.citizens, "size": size, **self._node_marks(snap, r)}
        self.drawn_focus = snap.focus

    def view(self) -> pn.viewable.Viewable:
        controls = pn.Column(
            pn.pane.Markdown("### socialcredit dashboard\nsynthetic populations only"),
            *self.regimes,
            self.general,
            *(
                item
                for path, w in (("run.population", self.population), ("run.seed", self.seed), ("run.days", self.days))
                for item in (w, self.errors[path])
            ),
            *(item for path, w in self.fields.items() for item in (w, self.errors[path])),
            pn.Row(*self.buttons.values()),
            self.export_to,
            self.export_button,
            self.export_note,
            width=260,
        )
        main = pn.Column(
            self.status,
            self.numbers,
            self.charts,
            self.command,
            pn.Row(self.citizen),
            self.inspector,
            sizing_mode="stretch_width",
        )
        return pn.Row(controls, main, sizing_mode="stretch_width")


def free_port(host: str, port: int | None) -> int:
    """`port`, or a free one, checked by binding to it: a busy port or a bad host is one line, not a traceback."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port or 0))
            return int(probe.getsockname()[1])
    except OSError as exc:
        raise InputError(f"--host {host} --port {port or 0}: cannot serve there ({exc.strerror or exc})") from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Serve the dashboard until Ctrl-C; each browser tab gets its own runs."""
    message = Session(settings).check(settings)
    if message:
        raise InputError(message.removeprefix("error: "))
    port = free_port(host, port)

    sessions: list[Session] = []

    def app() -> pn.viewable.Viewable:
        session = Session(settings)
        sessions.append(session)
        page = Page(session)
        session.apply(settings)
        pn.state.add_periodic_callback(page.refresh, period=REFRESH_MS)
        pn.state.on_session_destroyed(lambda _: session.close())
        return page.view()

    everywhere = host in ("0.0.0.0", "::", "")
    origins = ["*"] if everywhere else sorted({f"{host}:{port}", f"127.0.0.1:{port}", f"localhost:{port}"})
    note = " on every interface: anyone who can reach this machine can use it" if everywhere else ""
    print(f"dashboard at http://{host}:{port}/{note} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        pn.serve(
            {"/": app},
            port=port,
            address=host,
            websocket_origin=origins,
            show=False,
            title="socialcredit",
            verbose=False,
        )
    finally:  # Ctrl-C: stop every tab's runs, so the process exits now rather than after them
        for session in sessions:
            session.close()
