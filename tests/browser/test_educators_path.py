"""Professional learning in a real browser, on the demo district: Ms. Rivera proposes a
growth plan and the principal approves it; she submits RB-K3; its reviewer returns it
"not yet" with feedback; she revises and resubmits; the reviewer awards it; she downloads
the Open Badges 3.0 credential, which the independent verifier accepts, and her license
page counts its credit; the district administrator reads the pathway progress dashboard.
Every page is checked with axe-core and photographed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_credentials import _log_in, _log_out
from tests.independent_verifier import independently_verify

# RB-K3 has one trained reviewer in the demo (see proficio.educators.demo).
REVIEWER = "t.riverbend-hs.001"


def _check(page, name: str) -> None:
    screenshot(page, f"educators-{name}")
    assert axe_violations(page) == [], name


def _review(page, *, not_yet: str | None) -> None:
    """As the reviewer: open Ms. Rivera's RB-K3, declare no conflict, score it."""
    _log_in(page, REVIEWER)
    page.goto("/educators/reviews/")
    queue = page.get_by_role("table", name="Submissions assigned to me for review")
    row = queue.get_by_role("row").filter(has_text="RB-K3")
    expect(row).to_contain_text("Ms. Rivera")
    _check(page, "review-queue")
    row.get_by_role("link").click()
    if page.get_by_label("I have no conflict of interest").count():
        page.get_by_label("I have no conflict of interest").check()
        page.get_by_role("button", name="Declare").click()
    for title in ("Overview questions", "Work example", "Reflection"):
        page.get_by_label(f"Met: {title}", exact=True).check()
    if not_yet is None:
        page.get_by_label("Met: De-identified student evidence", exact=True).check()
    else:
        page.get_by_label("Not yet: De-identified student evidence", exact=True).check()
        page.get_by_label(
            "Feedback on De-identified student evidence (required for “not yet”)"
        ).fill(not_yet)
    _check(page, "review" if not_yet else "review-award")
    page.get_by_role("button", name="Record the review").click()
    done = "Returned for revision" if not_yet else "Awarded: the credential was issued"
    expect(page.get_by_text(done)).to_be_visible()
    _log_out(page)


def test_plan_submit_revise_award_verify_and_dashboard(page, server):
    # 1. Ms. Rivera proposes a plan with RB-K3; the principal approves it.
    _log_in(page, "rivera")
    page.goto("/educators/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Professional learning")
    _check(page, "home")
    page.goto("/educators/plans/")
    page.get_by_label("Goals (one per line)").fill("Use retrieval practice every week")
    page.get_by_label("RB-K3 How people learn").check()
    _check(page, "plans")
    page.get_by_role("button", name="Send my plan for approval").click()
    expect(page.get_by_text("Your plan was sent for approval.")).to_be_visible()
    _log_out(page)

    _log_in(page, "principal")
    page.goto("/educators/plans/")
    waiting = page.get_by_role("table", name="Plans waiting for your approval")
    waiting.get_by_role("link", name="Ms. Rivera").click()
    expect(page.get_by_text("Use retrieval practice every week")).to_be_visible()
    _check(page, "plan-decide")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Comments", exact=True).fill("Good choice for this year.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Plan approved.")).to_be_visible()
    _log_out(page)

    # 2. She starts RB-K3 from the catalogue, writes every part and submits it.
    _log_in(page, "rivera")
    page.goto("/educators/catalogue/")
    _check(page, "catalogue")
    page.get_by_role("link", name="RB-K3").first.click()
    _check(page, "micro-credential")
    page.get_by_role("button", name="Start a submission").click()
    answers = {
        "Overview questions": "My grade-7 learners forget procedures; retrieval practice helps.",
        "Work example": "Weekly low-stakes quizzes with spaced questions.",
        "De-identified student evidence": "Learner A improved.",
        "Reflection": "Next I will let learners write their own retrieval questions.",
    }
    for title, text in answers.items():
        page.get_by_label(f"Your response: {title}").fill(text)
    _check(page, "submission-draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()
    _log_out(page)

    # 3. The reviewer returns it "not yet", with feedback on the student evidence.
    feedback = "Show three learners' work before and after, so the effect is visible."
    _review(page, not_yet=feedback)

    # 4. She reads the feedback, revises that part and resubmits.
    _log_in(page, "rivera")
    page.goto("/educators/submissions/")
    page.get_by_role("link", name="RB-K3 How people learn").first.click()
    expect(page.get_by_text(feedback)).to_be_visible()
    _check(page, "submission-returned")
    page.get_by_label("Your response: De-identified student evidence").fill(
        "Learners A, B and C: quiz scores rose from 40% to 75% over six weeks (drafts attached)."
    )
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review.")).to_be_visible()
    _log_out(page)

    # 5. The reviewer awards it.
    _review(page, not_yet=None)

    # 6. She downloads the credential; the independent verifier accepts it; her license
    # page counts it (RB-K4 from the demo and RB-K3 now: 0.5 each).
    _log_in(page, "rivera")
    page.goto("/educators/credentials/")
    _check(page, "credentials")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("How people learn")).click()
    credential = json.loads(Path(info.value.path()).read_text())
    assert credential["credentialSubject"]["achievement"]["name"] == "How people learn"
    assert "Rivera" not in json.dumps(credential)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    # With the status list the server publishes (the issuer is a did:key: no document).
    url = credential["credentialStatus"]["statusListCredential"]
    documents = {url: page.request.get("/credentials/status/" + url.rsplit("/", 1)[1]).json()}
    result = independently_verify([("rk3", credential)], documents=documents)["rk3"]
    assert result["verified"], result
    page.goto("/educators/")
    page.get_by_role("link", name="License renewal credits").click()
    expect(page.get_by_test_id("credits")).to_have_text("1 of 6 credits")
    expect(
        page.get_by_role("table", name="Credits earned while this license is in force")
    ).to_contain_text("How people learn")
    _check(page, "license")
    _log_out(page)

    # 7. The district administrator reads the pathway progress dashboard.
    _log_in(page, "district.admin")
    page.goto("/educators/")
    page.get_by_role("link", name="pathway progress").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pathway progress")
    expect(page.get_by_text("Teacher leader pathway").first).to_be_visible()
    _check(page, "pathway-dashboard")
    page.goto("/educators/")
    page.get_by_role("link", name="Professional learning in Riverbend").first.click()
    _check(page, "dashboard")
