"""The dashboard in a real browser: `socialcredit dashboard` on loopback, driven by Playwright in
Debian's Chromium (`make test` installs the `chromium` package; no browser is downloaded).

Set SOCIALCREDIT_SCREENSHOT=docs/img/dashboard.png to also write the README's screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from socialcredit.cli.common import fmt
from socialcredit.dashboard.session import Session, Settings
from socialcredit.engine import Simulation
from socialcredit.record import Cause
from socialcredit.results import Results, json_clean

CHROMIUM = "/usr/lib/chromium/chromium"  # Debian's package
N = 2000
SET = "posts.false_positive_rate=0.2"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """`socialcredit dashboard` in a child process; yields the URL it prints."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)")
    cwd = tmp_path_factory.mktemp("server")
    child = subprocess.Popen(
        [sys.executable, "-m", "socialcredit", "dashboard", "none", "-n", str(N)],
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stderr is not None
        line = child.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, line
        yield found.group(0)
    finally:
        child.terminate()
        child.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def series(page, regime: str) -> dict[str, list[float]]:
    """The time-series source of a regime's latest build, as the browser holds it (the Bokeh
    models, not the shadow DOM; names end in the build's number)."""
    return page.evaluate(
        """regime => { const prefix = `series-${regime}-`; let best = null;
            for (const m of Bokeh.documents[0].all_models)
                if (m.name && m.name.startsWith(prefix) && /^\\d+$/.test(m.name.slice(prefix.length)) &&
                    (best === null || +m.name.slice(prefix.length) > +best.name.slice(prefix.length))) best = m;
            const out = {}; for (const [k, v] of Object.entries(best.data)) out[k] = Array.from(v); return out; }""",
        regime,
    )


def test_the_dashboard_in_chromium(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    outside: list[str] = []
    page.on("request", lambda r: None if urlparse(r.url).hostname in (None, "127.0.0.1") else outside.append(r.url))
    page.goto(server)
    page.get_by_text("day 0 of 365").wait_for(timeout=30_000)

    # two regimes, picked in the page (the server started with `none` alone)
    selects = page.locator("select")
    selects.nth(0).select_option("financial-credit")
    selects.nth(1).select_option("scs")
    page.get_by_text("socialcredit run scs -n 2000").wait_for(timeout=30_000)

    # a bad value: the CLI's line next to the field, and the server lives on
    rate = page.get_by_placeholder("regime's own").nth(0)  # posts.false_positive_rate, the first number field
    rate.fill("1.5")
    rate.press("Enter")
    expected = Session().check(
        Settings(regimes=("financial-credit", "scs"), population=N, values={"posts.false_positive_rate": 1.5})
    )
    page.get_by_text(expected).wait_for(timeout=10_000)
    rate.fill("0.2")
    rate.press("Enter")
    page.get_by_text(f"--set {SET}").first.wait_for(timeout=30_000)
    assert page.get_by_text(expected).count() == 0

    # run three weeks, then compare with the Python API
    page.get_by_text("day 0 of 365").wait_for(timeout=30_000)
    step = page.get_by_role("button", name="Step")
    for day in (7, 14, 21):
        step.click()
        page.get_by_text(f"day {day} of 365").wait_for(timeout=30_000)
    sims = {regime: Simulation(regime, population=N, overrides=[SET]) for regime in ("financial-credit", "scs")}
    for regime, sim in sims.items():
        api = sim.run(until=21)
        shown = series(page, regime)
        assert shown["day"] == [0, 7, 14, 21]
        assert shown["trust_mean"] == api.timeseries["trust_mean"].to_pylist()
        assert shown["blacklisted_share"] == api.timeseries["blacklisted_share"].to_pylist()
    cell = page.locator("td[data-metric='trust_mean']").nth(1)  # the scs column of the numbers table
    assert cell.inner_text() == fmt(api.summary["trust_mean"])

    # the inspector, on a citizen the API says is listed under scs
    sim = sims["scs"]
    listed = int(sim.people.blacklisted.nonzero()[0][0])
    who = page.get_by_label("inspect citizen")
    who.fill(str(listed))
    who.press("Enter")
    page.get_by_text(f"citizen {listed}", exact=True).wait_for(timeout=10_000)
    cause = Cause(int(sim.people.list_cause[listed])).name.lower()
    assert page.locator("td", has_text=re.compile(f"^{cause}$")).count() >= 1

    # play, pause: the day moves on, then stops
    page.get_by_role("button", name="Play").click()
    page.get_by_text(re.compile(r"day (2[89]|[3-9]\d|\d{3}) of 365 · playing")).wait_for(timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    status = page.get_by_text(re.compile(r"day \d+ of 365 · (paused|done)"))
    status.wait_for(timeout=30_000)
    stopped = status.inner_text().split(" · ")[0]
    time.sleep(1)
    assert status.inner_text().split(" · ")[0] == stopped

    # export: run folders that load as run folders and hold the day the page shows
    target = tmp_path / "export"
    box = page.get_by_label("export run folders under")
    box.fill(str(target))
    box.press("Enter")
    page.get_by_role("button", name="Export").click()
    page.get_by_text(re.compile("^wrote ")).wait_for(timeout=60_000)
    folders = sorted(target.iterdir())
    assert [f.name.split("-n")[0] for f in folders] == ["financial-credit", "scs"]
    day = Results.load(folders[1]).summary["days"]
    assert page.get_by_text(re.compile(f"^day {day} of 365 · (paused|done)")).count() == 1  # done: Play reached the end
    saved = Results.load(folders[1])
    assert json_clean(sim.run(until=day).summary) == saved.summary  # the same run, carried on

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if os.environ.get("SOCIALCREDIT_SCREENSHOT"):
        shutil.copy(shot, os.environ["SOCIALCREDIT_SCREENSHOT"])
    assert outside == [], "the page must work offline"
