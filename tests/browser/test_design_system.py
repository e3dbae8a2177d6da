"""The pages in the U.S. Web Design System (issue 17 sections 1 and 4): the style guide and
representative pages pass axe, load nothing from another origin, work at desktop and phone
widths (the header's menu opens and closes), and keep the mastery grid's cues."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, axe_violations, log_in, screenshot

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _record_origins(page, server) -> list[str]:
    elsewhere: list[str] = []
    own = urlsplit(server).netloc

    def seen(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != own:
            elsewhere.append(request.url)

    page.on("request", seen)
    return elsewhere


def _open_class_grid(page) -> None:
    page.get_by_role("link", name="Mathematics 7 · A").first.click()
    page.get_by_role("link", name="Class grid").click()
    expect(page.get_by_role("heading", name="Class grid: Mathematics 7 · A")).to_be_visible()


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_teacher_pages_and_the_style_guide_in_the_design_system(page, server, size, viewport):
    page.set_viewport_size(viewport)
    elsewhere = _record_origins(page, server)
    log_in(page, "rivera", DEMO_PASSWORD)
    # The system's stylesheet is what styles the page (its header is its own component).
    assert page.locator("header.usa-header").evaluate("e => getComputedStyle(e).zIndex") != ""
    font = page.locator("body").evaluate("e => getComputedStyle(e).fontFamily")
    assert "Source Sans Pro Web" in font
    screenshot(page, f"uswds-teacher-home-{size}")
    assert axe_violations(page) == []
    # A column header never breaks inside a word ("Student" / "s"), at either width.
    header = page.locator("thead th", has_text="Students").first
    lines = (
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getClientRects().length; }"
    )
    assert header.evaluate(lines) == 1

    if size == "phone":  # the navigation folds behind the menu button
        nav_link = page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Frameworks", exact=True
        )
        expect(nav_link).to_be_hidden()
        page.wait_for_function("() => window.uswdsPresent === true")  # its script has run
        page.get_by_role("button", name="Menu").click()
        expect(nav_link).to_be_visible()
        page.wait_for_timeout(400)  # the panel slides in
        page.screenshot(path=str(ARTIFACTS / "uswds-teacher-menu-phone.png"))
        assert axe_violations(page) == []
        page.get_by_role("button", name="Close").click()
        expect(nav_link).to_be_hidden()
    _open_class_grid(page)
    screenshot(page, f"uswds-class-grid-{size}")
    assert axe_violations(page) == []
    # Levels keep their text and pattern beside the colour.
    cell = page.locator("table.class-grid td.gc-insufficient").first
    assert cell.evaluate("e => getComputedStyle(e).borderTopStyle") == "dotted"

    page.goto("/design/")
    expect(page.get_by_role("heading", name="Style guide", level=1)).to_be_visible()
    page.locator(".chart-canvas svg, .chart-canvas canvas").first.wait_for()
    error = page.locator("#invalid_title_error")
    expect(error).to_have_text("This field is required.")
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(181, 9, 9)"  # error-dark
    screenshot(page, f"uswds-design-{size}")
    assert axe_violations(page) == []
    assert elsewhere == []


def test_the_style_guide_in_spanish_and_the_student_is_refused(page):
    log_in(page, "principal", DEMO_PASSWORD)
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    page.goto("/design/")
    expect(page.get_by_role("heading", name="Guía de estilo", level=1)).to_be_visible()
    assert axe_violations(page) == []
    # Back to English: the choice is saved on the person, and other tests log in as them.
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "ana", DEMO_PASSWORD)
    response = page.goto("/design/")
    assert response is not None
    assert response.status == 404
    assert "Guía de estilo" not in page.content()
    assert "Style guide" not in page.content()


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("district.admin", "/audit/"),
        ("principal", "/students/"),
        ("ana", "/"),
        ("rivera", "/notifications/"),
    ],
)
def test_representative_pages_pass_axe(page, server, username, path):
    elsewhere = _record_origins(page, server)
    log_in(page, username, DEMO_PASSWORD)
    page.goto(path)
    assert page.locator("main h1").count() >= 1
    screenshot(page, f"uswds-{username}-{path.strip('/').replace('/', '-') or 'home'}")
    assert axe_violations(page) == []
    # Every link of the navigation can be clicked (nothing of the header lies over it).
    for link in page.locator(".usa-nav__primary a").all():
        link.click(trial=True, timeout=5000)
    assert elsewhere == []


def test_the_style_guides_checkboxes_radio_buttons_and_file_input(page):
    """The system's controls work from the keyboard, pass axe, and the file input speaks the
    page's language and keeps the name its label gives it."""
    log_in(page, "rivera", DEMO_PASSWORD)
    page.goto("/design/#forms")
    page.wait_for_function("() => window.uswdsPresent === true")
    # Keyboard: Tab from the note reaches the checkbox; Space ticks it, Space again unticks.
    notify = page.locator("#blank_notify")
    page.locator("#blank_note").focus()
    page.keyboard.press("Tab")
    expect(notify).to_be_focused()
    page.keyboard.press("Space")
    expect(notify).to_be_checked()
    page.keyboard.press("Space")
    expect(notify).not_to_be_checked()
    # The box drawn is the system's (the native input is hidden behind its label).
    box = page.locator("label[for=blank_notify]")
    assert box.evaluate("e => getComputedStyle(e, '::before').content") != "none"
    # Radio buttons: Tab into the group, the arrow keys choose.
    page.keyboard.press("Tab")
    expect(page.locator("#blank_reach_0")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#blank_reach_1")).to_be_checked()
    # The file input: its label names it; the drop zone's words are ours.
    work = page.get_by_label("The student's work (PDF or image)").first
    assert work.get_attribute("aria-label") is None
    target = page.locator("#blank_work").locator("xpath=..")
    expect(target).to_contain_text("Drag a file here or choose one")
    work.set_input_files(
        files=[{"name": "essay.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
    )
    expect(target).to_contain_text("Chosen file")
    expect(target).to_contain_text("Change the file")
    expect(target).to_contain_text("essay.pdf")
    assert work.get_attribute("aria-label") is None
    # The disabled ones cannot be changed; the chosen ones show as chosen.
    expect(page.locator("#chosen_days_0")).to_be_disabled()
    expect(page.locator("#chosen_reach_1")).to_be_checked()
    expect(page.locator("#chosen_work")).to_be_disabled()
    page.locator("#forms").screenshot(path=str(ARTIFACTS / "uswds-design-controls.png"))
    assert axe_violations(page) == []

    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    page.goto("/design/#forms")
    page.wait_for_function("() => window.uswdsPresent === true")
    target = page.locator("#blank_work").locator("xpath=..")
    expect(target).to_contain_text("Arrastre un archivo aquí o elija uno")
    assert axe_violations(page) == []
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
