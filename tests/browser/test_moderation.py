"""Three raters score a session blind; the leader reveals and records consensus; each rater
sees only their own feedback."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

RATERS = ["rivera", "t.maple-ms.001", "t.cedar-es.001"]
# Each rater's four criterion scores on S-01 and S-02: they disagree most on S-02.
SCORES = {
    "rivera": {"S-01": [3, 3, 2, 3], "S-02": [2, 2, 2, 2]},
    "t.maple-ms.001": {"S-01": [3, 3, 2, 4], "S-02": [4, 2, 3, 2]},
    "t.cedar-es.001": {"S-01": [3, 2, 2, 3], "S-02": [1, 2, 2, 1]},
}


def _as(browser, server, username):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, username, DEMO_PASSWORD)
    return context, page


def _clean(page):
    assert axe_violations(page) == [], page.url


def test_blind_moderation_session(browser, server):
    leader_context, leader = _as(browser, server, "district.admin")
    leader.get_by_role("link", name="Moderation").first.click()
    _clean(leader)
    leader.get_by_role("link", name="New session").click()
    _clean(leader)
    leader.get_by_label("Title").fill("Autumn number sense moderation")
    leader.get_by_label("Common performance task").fill("Recipe scaling task")
    leader.get_by_label("Rubric").select_option(label="Number sense and operations rubric")
    leader.get_by_label("Every rater scores every sample").check()
    leader.get_by_role("button", name="Create session").click()
    expect(leader.get_by_role("heading", name="Autumn number sense moderation")).to_be_visible()
    session_url = leader.url
    for username in RATERS:
        select = leader.get_by_label("Educator")
        label = next(
            text for text in select.locator("option").all_inner_texts() if f"({username})" in text
        )
        select.select_option(label=label)
        leader.get_by_role("button", name="Add rater").click()
        expect(leader.get_by_text("joins the panel")).to_be_visible()
    for description in ("Scaled for 8: doubled each amount", "Scaled for 3: used unit rates"):
        leader.get_by_label("Description (no student names)").fill(description)
        leader.get_by_role("button", name="Add sample").click()
    leader.get_by_label("Description (no student names)").fill("Scaled for 6 with a table")
    leader.get_by_label("The work (PDF, image, text, audio or video)").set_input_files(
        {"name": "table.txt", "mimeType": "text/plain", "buffer": b"1 cup -> 1.5 cups"}
    )
    leader.get_by_role("button", name="Add sample").click()
    expect(leader.get_by_role("cell", name="Scaled for 6 with a table")).to_be_visible()
    screenshot(leader, "moderation-setup")
    _clean(leader)
    leader.get_by_role("button", name="Assign raters and open blind scoring").click()
    expect(leader.get_by_text("Blind scoring is open: 9 assignments")).to_be_visible()

    # Each rater scores blind: nobody else's scores are visible before the reveal.
    for username in RATERS:
        context, page = _as(browser, server, username)
        page.goto(session_url)
        expect(page.get_by_role("heading", name="Your samples")).to_be_visible()
        _clean(page)
        page.goto(session_url + "discuss/")
        expect(page.get_by_text("hidden until the organizer reveals them")).to_be_visible()
        page.goto(session_url)
        page.get_by_role("link", name="S-01").click()
        for code in ("S-01", "S-02"):
            expect(page.get_by_role("heading", name=f"Score sample {code}")).to_be_visible()
            for fieldset, value in zip(
                page.locator("fieldset").all(), SCORES[username][code], strict=True
            ):
                fieldset.get_by_role("radio", name=re.compile(rf"^{value}\b")).check()
            if username == "rivera" and code == "S-01":
                screenshot(page, "moderation-blind-scoring")
                _clean(page)
            page.get_by_role("button", name="Submit my scores").click()
            expect(page.get_by_text(f"Your scores for {code} are saved")).to_be_visible()
        context.close()

    # The leader reveals; disagreements come first; consensus is recorded.
    leader.goto(session_url)
    expect(leader.get_by_text("6 of 9 assignments scored")).to_be_visible()
    leader.get_by_role("button", name="Reveal the scores").click()
    expect(leader.get_by_text("3 assignments were never scored")).to_be_visible()
    headings = leader.get_by_role("heading", level=2).all_inner_texts()
    assert headings[0].startswith("S-02"), headings
    screenshot(leader, "moderation-reveal")
    _clean(leader)
    s02 = leader.locator("section", has=leader.get_by_role("heading", name=re.compile("^S-02")))
    s02.get_by_label("Why the group agreed").fill(
        "Unit rates were correct but the table was incomplete."
    )
    s02.get_by_role("button", name="Record consensus for S-02").click()
    expect(leader.get_by_text("Consensus recorded for S-02")).to_be_visible()
    s01 = leader.locator("section", has=leader.get_by_role("heading", name=re.compile("^S-01")))
    s01.get_by_label("Why the group agreed").fill("Doubling was shown for every ingredient.")
    s01.get_by_role("button", name="Record consensus for S-01").click()
    expect(leader.get_by_text("Consensus recorded for S-01")).to_be_visible()
    leader.get_by_role("link", name="Agreement").click()
    expect(leader.get_by_role("heading", name="How well did the panel agree?")).to_be_visible()
    expect(leader.locator("[data-chart] svg")).to_be_visible()
    screenshot(leader, "moderation-statistics")
    _clean(leader)
    leader.get_by_role("link", name="Feedback").click()
    expect(leader.get_by_role("heading", name="The panel as a whole")).to_be_visible()
    body = leader.locator("main").inner_text()
    assert "Your scoring, privately" not in body
    _clean(leader)
    leader.get_by_role("link", name="Comparability").click()
    _clean(leader)
    leader_context.close()

    # Each rater sees their own feedback only.
    for username in RATERS:
        context, page = _as(browser, server, username)
        page.goto(session_url + "feedback/")
        expect(page.get_by_role("heading", name="Your scoring, privately")).to_be_visible()
        main = page.locator("main").inner_text()
        assert "The panel as a whole" not in main
        assert "Rater A" not in main
        if username == "t.cedar-es.001":
            # Scored S-02 at 1 where the consensus is 2: the difference and the reason show.
            expect(page.get_by_role("cell", name="Unit rates were correct").first).to_be_visible()
            screenshot(page, "moderation-rater-feedback")
        _clean(page)
        context.close()
