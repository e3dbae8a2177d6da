"""A teacher scores a class task by keyboard (one keypress per cell), undoes a change, is
told about a level outside the rubric, and sees the class grid update; then forms, saves
and prints flexible groups. axe-core checks every page."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

RUBRIC = "Number sense and operations rubric"
PATTERN = ["3", "4", "2", "3", "1", "4"]


def _wait_for_saves(page) -> None:
    page.wait_for_function(
        "() => document.querySelector('table[data-pending]').dataset.pending === '0'",
        timeout=60_000,
    )


def _start_task(page, title: str) -> None:
    page.get_by_label("Task title").fill(title)
    page.get_by_label("Kind of task").select_option("performance_task")
    page.get_by_label("Rubric").select_option(label=RUBRIC)
    page.get_by_role("button", name="Start scoring").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def _grid_cell(page, student: str, code: str) -> dict:
    return page.evaluate(
        """([student, code]) => {
            const heads = Array.from(document.querySelectorAll('table.class-grid thead th'));
            const col = heads.findIndex(th => th.textContent.trim() === code);
            const row = Array.from(document.querySelectorAll('table.class-grid tbody tr'))
                .find(tr => tr.querySelector('th').textContent.trim() === student);
            const cell = row.children[col];
            return {cls: cell.className, text: cell.textContent.trim()};
        }""",
        [student, code],
    )


def test_teacher_scores_a_class_by_keyboard_and_sees_the_grid_update(page):
    log_in(page, "rivera", DEMO_PASSWORD)
    page.get_by_role("link", name="Mathematics 7 · A").first.click()
    page.get_by_role("link", name="Class grid").click()
    expect(page.get_by_role("heading", name="Class grid: Mathematics 7 · A")).to_be_visible()
    before = _grid_cell(page, "Ben Okafor", "MATH.1.2")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Whole-class scoring").first.click()
    assert axe_violations(page) == []
    screenshot(page, "classroom-new-task")
    _start_task(page, "Place value performance task")
    assert axe_violations(page) == []

    # One keypress per cell: the level. Focus moves on by itself.
    names = page.eval_on_selector_all(
        "table.scoring-grid tbody tr th", "ths => ths.map(th => th.textContent.trim())"
    )
    criteria = page.locator("table.scoring-grid tbody tr").first.locator("td.score-cell").count()
    assert criteria == 4
    page.locator("table.scoring-grid td.score-cell").first.click()
    presses = 0
    started = time.perf_counter()
    typed: dict[tuple[str, int], str] = {}
    for r, name in enumerate(names):
        for c in range(criteria):
            key = "4" if name == "Ben Okafor" else PATTERN[(r + c) % len(PATTERN)]
            page.keyboard.press(key)
            typed[(name, c)] = key
            presses += 1
    _wait_for_saves(page)
    took = time.perf_counter() - started
    cells = len(names) * criteria
    print(f"\n{cells} cells scored with {presses} keypresses and 1 click in {took:.1f} s")
    assert presses == cells
    saved = page.eval_on_selector_all(
        "table.scoring-grid td.score-cell", "tds => tds.map(td => td.dataset.score)"
    )
    assert saved == [typed[(n, c)] for n in names for c in range(criteria)]
    expect(page.locator("#save-state")).to_contain_text("Saved:")
    screenshot(page, "classroom-scoring")

    # Undo takes back the last change (by keyboard here).
    ben_first = page.locator("table.scoring-grid tr", has_text="Ben Okafor").locator(
        "td.score-cell"
    )
    ben_first.first.click()
    page.keyboard.press("2")
    _wait_for_saves(page)
    expect(ben_first.first).to_have_attribute("data-score", "2")
    page.keyboard.press("Control+z")
    _wait_for_saves(page)
    expect(ben_first.first).to_have_attribute("data-score", "4")
    # Delete clears the cell (focus stays on it); the Undo button brings the level back.
    ben_first.first.click()
    page.keyboard.press("Delete")
    _wait_for_saves(page)
    expect(ben_first.first).to_have_attribute("data-score", "")
    expect(page.locator("#save-state")).to_contain_text("cleared")
    page.get_by_role("button", name="Undo").click()
    _wait_for_saves(page)
    expect(ben_first.first).to_have_attribute("data-score", "4")
    # A level outside the rubric: a clear message, nothing saved, focus stays.
    ben_first.first.click()
    page.keyboard.press("7")
    expect(page.locator("#save-state")).to_contain_text("7 is not a level")
    expect(ben_first.first).to_have_attribute("data-score", "4")
    screenshot(page, "classroom-scoring-bad-level")
    assert axe_violations(page) == []

    # A second task the same week, for Ben: one more piece of evidence; Ana is absent.
    page.get_by_role("link", name="Whole-class scoring").first.click()
    _start_task(page, "Place value exit ticket")
    page.get_by_label("Attendance of Ana García").select_option("absent")
    expect(page.locator("tr", has_text="Ana García")).to_have_class("row-absent")
    ben = page.locator("table.scoring-grid tr", has_text="Ben Okafor").locator("td.score-cell")
    ben.first.click()
    for _ in range(criteria):
        page.keyboard.press("4")
    _wait_for_saves(page)
    expect(ben.nth(3)).to_have_attribute("data-score", "4")
    page.get_by_label("Comment for Ben Okafor").fill("Explained regrouping to his group.")
    page.get_by_label("Comment for Ben Okafor").press("Tab")
    expect(page.locator("#save-state")).to_contain_text("Saved: Ben Okafor")

    # The grid shows Ben's new level on the first criterion's target.
    page.get_by_role("link", name="See the class grid").click()
    expect(page.get_by_role("heading", name="Class grid: Mathematics 7 · A")).to_be_visible()
    page.wait_for_load_state()
    after = _grid_cell(page, "Ben Okafor", "MATH.1.2")
    print(f"Ben on MATH.1.2: before {before}, after {after}")
    assert "gc-3" in after["cls"] or "gc-4" in after["cls"]
    assert "Proficient" in after["text"] or "Advanced" in after["text"]
    screenshot(page, "classroom-grid")
    assert axe_violations(page) == []
    # The cell opens the evidence and its explanation.
    row = page.locator("table.class-grid tbody tr", has_text="Ben Okafor")
    heads = page.eval_on_selector_all(
        "table.class-grid thead th", "ths => ths.map(th => th.textContent.trim())"
    )
    row.locator("td, th").nth(heads.index("MATH.1.2")).get_by_role("link").click()
    expect(page.get_by_role("cell", name="Place value exit ticket")).to_be_visible()
    expect(page.get_by_role("cell", name="Place value performance task")).to_be_visible()


def test_teacher_forms_saves_and_prints_flexible_groups(page):
    log_in(page, "rivera", DEMO_PASSWORD)
    page.get_by_role("link", name="Mathematics 7 · A").first.click()
    page.get_by_role("link", name="Flexible groups").click()
    page.get_by_label("Learning target").select_option(label="MATH.1.4 Fractions and decimals")
    page.get_by_role("button", name="Form groups").click()
    expect(page.get_by_role("heading", name="Ready to be assessed")).to_be_visible()
    expect(page.get_by_role("heading", name="Ready to move on or extend")).to_be_visible()
    screenshot(page, "classroom-groups")
    assert axe_violations(page) == []
    page.get_by_label("Title for these groups").fill("Fractions groups, week 1")
    page.get_by_role("button", name="Save groups").click()
    expect(page.get_by_role("heading", name="Fractions groups")).to_be_visible()
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    screenshot(page, "classroom-groups-print")
    page.emulate_media(media="screen")
