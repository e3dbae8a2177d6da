"""Notifications in a real browser: Ana asks to be reassessed, Ms. Rivera schedules it, and
Ana's guardian, reading Proficio in Spanish, finds it behind the header's count, opens it
by keyboard and lands on Ana's report. The pages are axe-clean in both languages."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from proficio.demo.generate import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot

TARGET = "MATH.2.5"


def _switch_language(page, code: str) -> None:
    page.locator("#language-select").select_option(code)
    page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Move the keyboard focus forward until it reaches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"the keyboard never reached {selector}")


def test_guardian_reads_a_scheduled_reassessment_in_spanish(page, browser, server):
    # Ana asks to be reassessed.
    log_in(page, "ana", DEMO_PASSWORD)
    page.get_by_role("link", name="Ask to be reassessed").first.click()
    target = page.get_by_label("Learning target")
    label = target.locator("option", has_text=TARGET).first.text_content()
    target.select_option(label=label.strip())
    page.get_by_label("What did you do to get ready?").fill("I redid the unit's practice set.")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Request sent.")).to_be_visible()

    # Ms. Rivera schedules it from her queue.
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    teacher = context.new_page()
    log_in(teacher, "rivera", DEMO_PASSWORD)
    teacher.get_by_role("link", name="Reassessments").click()
    request = teacher.locator("article", has_text=f"Ana García: {TARGET}")
    request.get_by_label("Schedule").check()
    request.get_by_label("Day").fill(day.isoformat())
    request.get_by_role("button", name="Save the decision").click()
    expect(teacher.locator("article", has_text=f"Ana García: {TARGET}")).to_contain_text(
        "Scheduled"
    )
    context.close()

    # Ana sees it too, in English, behind her own count.
    page.goto("/notifications/")
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(f"^Your reassessment on {TARGET} is scheduled"))
    ).to_be_visible()

    # Her guardian reads Proficio in Spanish.
    guardian_context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    guardian = guardian_context.new_page()
    log_in(guardian, "garcia.family", DEMO_PASSWORD)
    _switch_language(guardian, "es")
    try:
        bell = guardian.locator("a.notification-link")
        expect(bell).to_have_accessible_name(re.compile(r"^Notificaciones \d+ sin leer$"))
        # By keyboard: Tab to the header's link, Enter.
        _tab_to(guardian, "a.notification-link")
        guardian.keyboard.press("Enter")
        expect(guardian.get_by_role("heading", name="Notificaciones", level=1)).to_be_visible()
        told = guardian.get_by_role(
            "link",
            name=re.compile(
                f"^La nueva evaluación de Ana García en {TARGET} está programada para el "
                f".*{day.year}\\.$"
            ),
        )
        expect(told).to_be_visible()
        item = guardian.locator("li.notification", has=told)
        expect(item).to_contain_text("Nueva")
        expect(item).to_contain_text("Se programó una nueva evaluación")
        screenshot(guardian, "notifications-guardian-es")
        assert axe_violations(guardian) == []
        # Opening it marks it read and leads to Ana's report.
        told.click()
        expect(
            guardian.get_by_role("heading", name="El progreso de Ana García", level=1)
        ).to_be_visible()
        guardian.goto("/notifications/?show=unread")
        expect(guardian.get_by_role("link", name=told_name(TARGET))).to_have_count(0)
        # Preferences, in Spanish.
        guardian.goto("/notifications/preferences/")
        expect(
            guardian.get_by_role("heading", name="Preferencias de notificaciones", level=1)
        ).to_be_visible()
        screenshot(guardian, "notifications-preferences-es")
        assert axe_violations(guardian) == []
        guardian.get_by_role("group", name="Se devolvió un trabajo con comentarios").get_by_label(
            "No por correo electrónico (solo en Proficio)"
        ).check()
        guardian.get_by_role("button", name="Guardar mis preferencias").click()
        expect(guardian.get_by_text("Sus preferencias están guardadas.")).to_be_visible()
        expect(
            guardian.get_by_role(
                "group", name="Se devolvió un trabajo con comentarios"
            ).get_by_label("No por correo electrónico (solo en Proficio)")
        ).to_be_checked()
    finally:
        # The choice is saved as the guardian's preferred language: put English back.
        _switch_language(guardian, "en")
        guardian_context.close()


def told_name(target: str) -> re.Pattern[str]:
    return re.compile(f"^La nueva evaluación de Ana García en {target}")


def test_counselor_and_teacher_pages_are_accessible(page, browser, server):
    log_in(page, "counselor", DEMO_PASSWORD)
    bell = page.locator("a.notification-link")
    expect(bell).to_have_accessible_name(re.compile(r"^Notifications \d+ unread$"))
    bell.click()
    expect(
        page.get_by_text(re.compile("on your caseload, is newly behind pace")).first
    ).to_be_visible()
    screenshot(page, "notifications-counselor")
    assert axe_violations(page) == []
    # Mark all as read: the count leaves the header.
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("All notifications are marked as read.")).to_be_visible()
    expect(page.locator("a.notification-link")).to_have_accessible_name("Notifications")
    page.get_by_role("link", name="Choose what you receive by email").click()
    expect(
        page.get_by_role("group", name="A student on my caseload is newly behind pace")
    ).to_be_visible()
    screenshot(page, "notifications-preferences-counselor")
    assert axe_violations(page) == []
