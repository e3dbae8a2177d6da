"""A district moves in, end to end: an administrator imports a OneRoster zip; a teacher who
exists only in that roster signs in through the real OpenID provider and finds the
imported class on the class grid; a learning tool's xAPI statement, posted to a real LRS
(Ralph) and taken by `proficio lrs pull`, shows up on that grid as evidence.

The server is started for this module alone, as the browser suite starts its own (the
demo district, Riverbend, and a real OpenID provider), so the import changes no other
test's district. The file set is the OneRoster test district told as Riverbend's, its
school year moved to the present so its classes and enrollments are current."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from proficio.lrs import ralph
from proficio.lrs.client import LrsClient
from tests.browser.conftest import _free_port, _serve, axe_violations, log_in, screenshot
from tests.browser.test_accounts import _sign_in_at_provider
from tests.roster import files

LRS_USER, LRS_PASSWORD = "district-tests", "district-lrs-password"
ACTIVITY = f"https://practice.example/activities/ratios-{uuid.uuid4().hex[:8]}"
CLASS = "Math 7 A"
STUDENT = "Awa Diallo"  # u-s4, enrolled in Math 7 A
TARGET = "MATH.1.2"


def _this_years_files() -> dict[str, bytes]:
    """The test district as Riverbend's, its school year and fall term around today (so its
    classes are ones the teacher teaches now, whatever day the test runs)."""
    start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)
    fall_end = start + dt.timedelta(days=150)
    end = start + dt.timedelta(days=300)
    year = f"{start.year}-{start.year + 1}"
    head = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
    sessions = (
        f"{head}schoolYear\n"
        f"as-2026,,,{year},schoolYear,{start},{end},,{end.year}\n"
        f"as-fall,,,Fall {year},semester,{start},{fall_end},as-2026,{end.year}\n"
        f"as-spring,,,Spring {year},semester,{fall_end + dt.timedelta(days=1)},{end},"
        f"as-2026,{end.year}\n"
    )
    out = {}
    for name, content in files.district("1.2").items():
        content = content.replace(b"org-ov,", b"riverbend,").replace(b",org-ov\n", b",riverbend\n")
        if name == "academicSessions.csv":
            content = sessions.encode()
        out[name] = (
            content.replace(b",2025-08-15,", f",{start},".encode())
            .replace(b",2025-08-20,", f",{start + dt.timedelta(days=5)},".encode())
            .replace(b",2026-01-31\n", f",{start + dt.timedelta(days=200)}\n".encode())
        )
    return out


@pytest.fixture(scope="module")
def server_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("district-server")


@pytest.fixture(scope="module")
def server(server_data: Path) -> Iterator[str]:
    """This module's own server: the same as the suite's, with a database no other test uses."""
    from tests.oidc_provider import running_provider

    port = _free_port()
    with running_provider([f"http://127.0.0.1:{port}/accounts/sso/callback/"]) as issuer:
        yield from _serve(server_data, port, issuer)


@pytest.fixture(scope="module")
def lrs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("ralph")
    port = ralph.free_port()
    process = ralph.start(
        data, port=port, username=LRS_USER, password=LRS_PASSWORD, log=data / "ralph.log"
    )
    yield f"http://127.0.0.1:{port}/xAPI"
    ralph.stop(process)


def _pull(server_data: Path, lrs_url: str) -> str:
    """`proficio lrs pull` against the browser server's database, as an operator runs it."""
    env = {
        **os.environ,
        "PROFICIO_DATA_DIR": str(server_data),
        "DJANGO_SETTINGS_MODULE": "proficio.settings",
        "PROFICIO_LRS_URL": lrs_url,
        "PROFICIO_LRS_USERNAME": LRS_USER,
        "PROFICIO_LRS_PASSWORD": LRS_PASSWORD,
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "proficio.cli", "lrs", "pull"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cell(page, student: str, code: str) -> dict:
    return page.evaluate(
        """([student, code]) => {
            const heads = Array.from(document.querySelectorAll('table.class-grid thead th'));
            const col = heads.findIndex(th => th.textContent.trim() === code);
            const row = Array.from(document.querySelectorAll('table.class-grid tbody tr'))
                .find(tr => tr.querySelector('th').textContent.trim() === student);
            if (col < 0 || !row) return null;
            const cell = row.children[col];
            return {cls: cell.className, text: cell.textContent.trim()};
        }""",
        [student, code],
    )


def test_a_district_moves_in(browser, server, server_data, lrs_url, tmp_path):
    admin = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = admin.new_page()
    # 1. The district administrator imports the roster (a background job).
    log_in(page, "district.admin", DEMO_PASSWORD)
    page.goto("/roster/import/")
    roster = tmp_path / "riverbend-oneroster.zip"
    roster.write_bytes(files.zipped(_this_years_files()))
    page.get_by_label("OneRoster file set (a .zip of CSV files)").set_input_files(str(roster))
    page.get_by_role("button", name="Import").click()
    heading = page.get_by_role("heading", name="Roster import: riverbend-oneroster.zip")
    expect(heading).to_be_visible()
    changed = page.get_by_role("table", name="What changed, by file", exact=False)
    expect(changed).to_be_visible(timeout=120_000)
    expect(changed.get_by_role("row").filter(has_text="classes.csv")).to_contain_text("4")
    screenshot(page, "district-moves-in-import")
    # The administrator aligns the learning tool's activity to a learning target.
    page.goto("/learning-tools/")
    page.get_by_label("Activity id (the IRI the learning tool sends)").fill(ACTIVITY)
    page.get_by_label("Learning target (its code, CASE identifier or CASE URI)").fill(TARGET)
    page.get_by_role("button", name="Align", exact=True).click()
    expect(page.get_by_text("The activity is aligned.")).to_be_visible()
    admin.close()

    # 2. The rostered teacher signs in through the OpenID provider: no password at Proficio.
    teacher = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = teacher.new_page()
    _sign_in_at_provider(page, "lindqvist")
    assert page.url.endswith("/home/teacher/"), page.url
    assert "Erik Lindqvist" in page.locator(".who").inner_text()
    screenshot(page, "district-moves-in-teacher-home")
    imported = page.get_by_role("row").filter(has_text=CLASS)
    expect(imported).to_contain_text("Math 7")  # the imported course
    imported.get_by_role("link", name="Class grid").click()
    expect(page.get_by_role("heading", name=f"Class grid: {CLASS}")).to_be_visible()
    before = _cell(page, STUDENT, TARGET)
    assert before is not None, "the imported student or the target is not on the grid"
    assert "Not yet assessed" in before["text"], before
    assert axe_violations(page) == []

    # 3. A learning tool sends a statement to the LRS; the pull makes it evidence.
    when = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    statement = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://sis.oakvalley.example", "name": "u-s4"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/scored", "display": {"en-US": "scored"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {"name": {"en-US": "Ratio tables practice"}},
        },
        "result": {"score": {"scaled": 1.0}},
        "timestamp": when.isoformat(),
    }
    assert LrsClient(lrs_url, LRS_USER, LRS_PASSWORD).post([statement]) == [statement["id"]]
    report = _pull(server_data, lrs_url)
    assert "1 became evidence (1 scores" in report, report

    page.reload()
    after = _cell(page, STUDENT, TARGET)
    assert after is not None
    # One score is a standing the policy calls too early to judge, no longer "not assessed".
    assert "Not enough evidence yet" in after["text"], after
    assert after["cls"] != before["cls"]
    screenshot(page, "district-moves-in-grid")
    # The cell opens the student's record on the target, where the tool's evidence is.
    row = page.locator("table.class-grid tbody tr").filter(has_text=STUDENT)
    heads = page.eval_on_selector_all(
        "table.class-grid thead th", "ths => ths.map(th => th.textContent.trim())"
    )
    row.locator("> *").nth(heads.index(TARGET)).get_by_role("link").click()
    why = page.get_by_role("table", name="Each piece of evidence and its weight in the result")
    tool = why.get_by_role("row").filter(has_text="Ratio tables practice")
    expect(tool).to_contain_text("Quiz")
    expect(tool.get_by_role("cell").nth(3)).to_have_text("4")  # scaled 1.0 on the 1-4 scale
    assert axe_violations(page) == []
    screenshot(page, "district-moves-in-evidence")
    teacher.close()
