"""The student's and family's side in a real browser: a student shares learning from outside
school and asks to be reassessed, the teacher accepts both and the student's level changes;
a guardian reads the report and downloads it as a PDF, in English and in Spanish."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

# A level-8 target: far beyond a grade-7 student's evidence history in the demo district.
TARGET = "MATH.2.6"
TARGET_LABEL = "MATH.2.6 Modelling with functions"


def _target_row(page):
    return page.locator("tr", has_text=TARGET).first


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_student_uploads_and_asks_teacher_accepts_both_and_level_changes(page, browser, server):
    log_in(page, "ana", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="My competencies on the continuum")).to_be_visible()
    expect(page.get_by_role("heading", name="What I could work on next")).to_be_visible()
    expect(_target_row(page)).to_contain_text("Not yet assessed")
    screenshot(page, "learners-student-home")
    assert axe_violations(page) == []
    page.get_by_role("link", name="My progress", exact=True).click()  # one panel at a time
    expect(page.locator("[data-chart] svg")).to_be_visible()  # the progress chart draws
    expect(page.get_by_role("link", name="My progress", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    # Learning outside school: a wrong file type is refused with a clear message.
    page.get_by_role("link", name="Share learning from outside school").click()
    page.get_by_label("What did you do?").fill("Spreadsheet model for the robotics club")
    page.get_by_label("Which learning target does it show?").select_option(label=TARGET_LABEL)
    page.get_by_label("The level I think it shows").select_option("3")
    page.get_by_label("Where did the learning happen?").fill("Riverbend Robotics Club")
    files = page.get_by_label("A file that shows it")
    files.set_input_files(
        {"name": "model.png", "mimeType": "image/png", "buffer": b"MZ\x90\x00\x03\xff" * 50}
    )
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("model.png is not a file type we accept")).to_be_visible()
    screenshot(page, "learners-upload-wrong-type")
    assert axe_violations(page) == []
    files.set_input_files(
        {"name": "model.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 my model"}
    )
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Sent to your teachers for review.")).to_be_visible()
    # She lands on her home's evidence panel.
    expect(page.get_by_role("link", name="My evidence", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # Her new piece is listed as waiting (other tests on the shared server may have sent more).
    sent = page.get_by_role("row").filter(has_text="Spreadsheet model for the robotics club")
    expect(sent.get_by_role("cell", name="Submitted, waiting for review")).to_be_visible()

    # Assess when ready.
    page.get_by_role("link", name="Ask to be reassessed").first.click()
    assert axe_violations(page) == []
    page.get_by_label("Learning target").select_option(label=TARGET_LABEL)
    page.get_by_label("What did you do to get ready?").fill(
        "I built a model of the club's costs and checked it against real prices."
    )
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Request sent.")).to_be_visible()
    expect(page.get_by_role("cell", name="Waiting for the teacher")).to_be_visible()

    # Ms. Rivera accepts the upload and records the reassessment from her queue.
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    teacher = context.new_page()
    log_in(teacher, "rivera", DEMO_PASSWORD)
    teacher.get_by_role("link", name="Reassessments").click()
    expect(
        teacher.get_by_role("heading", name="Reassessments and reviews", level=1)
    ).to_be_visible()
    screenshot(teacher, "learners-teacher-queue")
    assert axe_violations(teacher) == []
    upload = teacher.locator("article", has_text="Spreadsheet model for the robotics club")
    upload.get_by_label("Accept").check()
    upload.get_by_role("button", name="Save the review").click()
    expect(teacher.get_by_text("Accepted: it now counts toward mastery.")).to_be_visible()
    request = teacher.locator("article", has_text=f"Ana García: {TARGET}")
    request.get_by_label("Record the reassessment").check()
    request.get_by_label("Level shown").select_option("4")
    request.get_by_label("Reason or feedback").fill("Clear model; you explained every step.")
    request.get_by_role("button", name="Save the decision").click()
    expect(
        teacher.get_by_text("Reassessment recorded; the determination is updated.")
    ).to_be_visible()
    expect(teacher.locator("article", has_text=f"Ana García: {TARGET}")).to_have_count(0)
    context.close()

    # Ana's level on the target has changed.
    page.goto("/home/student/")
    expect(_target_row(page)).not_to_contain_text("Not yet assessed")
    expect(_target_row(page)).to_contain_text(re.compile("Proficient|Advanced"))
    expect(page.get_by_role("cell", name="Reassessed", exact=True)).to_be_visible()
    page.locator("summary", has_text="My learning targets").nth(1).click()
    screenshot(page, "learners-student-home-after")


def test_guardian_reads_the_report_and_downloads_the_pdf(page):
    log_in(page, "garcia.family", DEMO_PASSWORD)
    page.get_by_role("link", name="Ana García's progress report").click()
    expect(page.get_by_role("heading", name="Ana García's progress", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Academics")).to_be_visible()
    expect(page.get_by_role("heading", name="Habits of success")).to_be_visible()
    expect(page.get_by_role("heading", name="What changed since the last report")).to_be_visible()
    screenshot(page, "learners-family-report")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this report as a PDF").click()
    path = download.value.path()
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Ana García's progress" in text
    assert "Habits of success" in text
    assert "What changed since the last report" in text
    assert "No ranking and no grade-point average" in text


def test_spanish_family_report(page):
    log_in(page, "garcia.family", DEMO_PASSWORD)
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    try:
        page.get_by_role("link", name="Informe de progreso de Ana García").click()
        expect(
            page.get_by_role("heading", name="El progreso de Ana García", level=1)
        ).to_be_visible()
        expect(page.get_by_role("heading", name="Materias académicas")).to_be_visible()
        expect(page.get_by_role("heading", name="Hábitos de éxito")).to_be_visible()
        screenshot(page, "learners-family-report-es")
        assert axe_violations(page) == []
        with page.expect_download() as download:
            page.get_by_role("link", name="Descargar este informe en PDF").click()
        text = _pdf_text(download.value.path().read_bytes())
        assert "El progreso de Ana García" in text
        assert "Hábitos de éxito" in text
        assert "Qué cambió desde el último informe" in text
    finally:
        # The choice is saved as the guardian's preferred language: put English back for
        # the tests that follow in this session.
        page.locator("#language-select").select_option("en")
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
