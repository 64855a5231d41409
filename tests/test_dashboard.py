"""The browser dashboard's logic without a browser: settings, errors, stepping, export, the page's sources."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from socialcredit.dashboard.app import Page
from socialcredit.dashboard.session import FIELDS, FieldSpec, Session, Settings
from socialcredit.engine import Simulation
from socialcredit.record import Cause
from socialcredit.results import Results, json_clean
from socialcredit.scenario import Scenario

SMALL = {"population": 1500, "seed": 3}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "socialcredit", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def session():
    made = Session(Settings(regimes=("scs", "none"), **SMALL))
    yield made
    made.close()


def test_fields_come_from_the_schema():
    spec = FieldSpec.of("posts.false_positive_rate")
    info = Scenario.model_fields["posts"].annotation.model_fields["false_positive_rate"]
    assert spec.kind == "float" and spec.description == info.description
    assert spec.accepts == "float with 0 <= value <= 1"
    assert FieldSpec.of("lists.score_blacklist_below").optional
    assert FieldSpec.of("appeals.enabled").kind == "bool" and "appeal" in FieldSpec.of("appeals.enabled").description
    with pytest.raises(ValueError, match="not a scenario key"):
        FieldSpec.of("posts.no_such_key")


def test_a_bad_value_gives_the_clis_line_next_to_its_field(session):
    done = cli("run", "scs", "-n", "1500", "-s", "3", "-d", "365", "--set", "posts.false_positive_rate=1.5")
    assert done.returncode == 2
    page = Page(session)
    page.fields["posts.false_positive_rate"].value = 1.5
    assert page.errors["posts.false_positive_rate"].object == done.stderr.strip()
    assert page.general.object == "" and page.errors["appeals.enabled"].object == ""
    page.fields["posts.false_positive_rate"].value = 0.2  # fixed: the message goes
    assert page.errors["posts.false_positive_rate"].object == ""


def test_an_impossible_mix_and_a_bad_population_are_named_where_they_are(session):
    page = Page(session)
    for share in ("discriminator", "cooperator", "defector"):
        page.fields[f"population.strategy_mix.{share}"].value = 0.0
    assert "at least one strategy share must be positive" in page.errors["population.strategy_mix.discriminator"].object
    page.fields["population.strategy_mix.defector"].value = 1.0
    page.population.value = 0
    assert page.errors["run.population"].object.startswith("error: regime scs (with overrides): run.population = 0")
    assert session.settings.population == SMALL["population"]  # bad settings are never taken


def test_stepping_in_the_background_matches_the_python_api(session):
    settings = Settings(regimes=("scs", "none"), values={"posts.false_positive_rate": 0.2}, **SMALL)
    assert session.apply(settings) == ""
    for _ in range(3):
        session.step()
    session.wait()
    assert session.day == 21 and session.error == ""
    for regime in ("scs", "none"):
        api = Simulation(regime, overrides=["posts.false_positive_rate=0.2"], days=365, **SMALL).run(until=21)
        assert session.snapshot is not None
        assert json_clean(session.snapshot.summaries[regime]) == json_clean(api.summary)


def test_the_page_streams_what_the_runs_recorded(session):
    page = Page(session)
    session.apply(session.settings)
    session.step()
    session.step()
    session.wait()
    page.refresh()
    api = Simulation("scs", days=365, **SMALL).run(until=14).timeseries
    series = page.series["scs"].data
    assert list(series["day"]) == api["day"].to_pylist() == [0, 7, 14]
    assert list(series["trust_mean"]) == api["trust_mean"].to_pylist()
    session.step()
    session.wait()
    page.refresh()  # only the new row is streamed, once
    assert list(page.series["scs"].data["day"]) == [0, 7, 14, 21]
    assert "day 21 of 365" in page.status.object


def test_export_writes_run_folders_that_rerun_to_the_same_summary(session, tmp_path):
    session.apply(session.settings)
    with pytest.raises(Exception, match="step at least one day first"):
        session.export(tmp_path / "too-early").result()
    session.step()
    folders = session.export(tmp_path / "out").result()
    assert [f.name.split("-n")[0] for f in folders] == ["scs", "none"]
    for folder in folders:
        saved = Results.load(folder)
        assert saved.summary["days"] == 7 and (folder / "figures" / "overview.png").is_file()
        again = Simulation(saved.scenario).run()
        assert json_clean(again.summary) == saved.summary
        assert json_clean(again.timeseries.to_pylist()) == json_clean(saved.timeseries.to_pylist())


def test_the_inspector_shows_the_ground_truth_of_a_listing(session):
    session.apply(session.settings)
    for _ in range(8):
        session.step()
    session.wait()
    people = session.sims["scs"].people
    listed = np.flatnonzero(people.blacklisted)
    assert listed.size, "no one listed after 56 days: pick a longer run"
    citizen = int(listed[0])
    session.inspect(citizen)
    session.wait()
    assert session.snapshot is not None and session.snapshot.focus == citizen
    rows = {name: value for _, name, value, _ in session.snapshot.inspected["scs"]}
    assert rows["blacklisted"] == "yes"
    assert rows["list_cause"] == Cause(int(people.list_cause[citizen])).name.lower()
    assert rows["free_rider"] == ("yes" if people.free_rider[citizen] else "no")
    page = Page(session)
    page.citizen.value = 10**6  # no such citizen: one line, nothing raised
    assert "citizen 1000000 does not exist" in page.inspector.object


def test_every_offered_field_is_a_scenario_key():
    for path in FIELDS:
        assert FieldSpec.of(path).path == path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["dashboard", "scs", "none", "--terminal"], "--terminal: one regime at a time"),
        (["dashboard", "scs", "--out", "x"], "--out: only with --terminal"),
        (["dashboard", "utopia"], "unknown regime 'utopia'"),
        (["dashboard", "--host", "203.0.113.7"], "--host 203.0.113.7 --port 0: cannot serve there"),
    ],
)
def test_dashboard_bad_input_is_one_line(args, needle):
    done = cli(*args)
    assert done.returncode == 2 and needle in done.stderr and done.stderr.strip().count("\n") == 0, done.stderr


def test_command_line_sets_fill_their_fields_and_the_rest_stay_fixed():
    settings = Settings.from_command_line(
        ["scs"], 1500, None, 30, ["posts.false_positive_rate=0.3", "appeals.enabled=true", "payments.grace_days=20"]
    )
    assert settings.values == {"posts.false_positive_rate": 0.3, "appeals.enabled": True}
    assert settings.fixed == ("payments.grace_days=20",) and settings.seed == 1
    page = Page(Session(settings))
    assert page.fields["posts.false_positive_rate"].value == 0.3 and page.fields["appeals.enabled"].value == "on"
    scenario = page.settings().scenarios()["scs"]
    assert scenario.payments.grace_days == 20 and scenario.appeals.enabled and scenario.posts.false_positive_rate == 0.3
    assert settings.command("scs").endswith(
        "--set payments.grace_days=20 --set posts.false_positive_rate=0.3 --set appeals.enabled=true"
    )


def test_an_export_the_folder_refuses_is_one_line_on_the_page(session, tmp_path):
    victim = tmp_path / "victim"
    page = Page(session)
    session.apply(session.settings)
    session.step()
    session.wait()
    (victim / "notes").mkdir(parents=True)
    (victim / "notes" / "thesis.txt").write_text("mine")
    folder = session.settings.scenarios()["scs"]
    from socialcredit.cli.run import default_folder

    (victim / default_folder(folder.model_copy(update={"run": folder.run.model_copy(update={"days": 7})})).name).mkdir()
    page.export_to.value = str(victim)
    page.export()
    assert page.exporting is not None
    page.exporting.exception()  # wait for it
    page.refresh()
    note = page.export_note.object
    assert ">error: --out " in note and "not a folder written by socialcredit" in note and "<br>" not in note
    assert (victim / "notes" / "thesis.txt").read_text() == "mine"


def test_runs_too_big_for_the_machine_are_refused_before_building(session):
    page = Page(session)
    for widget, regime in zip(page.regimes, ("scs", "none", "danwei", "eu-ai-act"), strict=True):
        widget.value = regime
    page.population.value = 100_000_000  # four runs of 10^8 citizens: far more memory than a test machine has
    assert "error: dashboard: needs about" in page.general.object
    assert session.settings.population == SMALL["population"]
