"""The U.S. Web Design System as the product uses it (issue 17, sections 1 and 4): the style
guide is for staff only, forms render the system's error pattern from one place, the
pagination partial, the CSS we still write ourselves stays small, and every asset a page
loads is served by us (no other origin, no inline style or script)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import Client

from proficio.web.templatetags.design import page_links
from proficio.web.views.design import SpecimenForm

SRC = Path(__file__).resolve().parents[2] / "src" / "proficio"
# The screen stylesheets we write (the PDF print sheets for WeasyPrint are not counted:
# the system does not style PDFs). Before the design system: 327 lines; after it, 167, then
# the leader dashboards' layout (19) and the table cells' minimum width (3).
OUR_SCREEN_CSS_LIMIT = 200


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


@pytest.mark.django_db
def test_the_style_guide_shows_every_component_and_state_to_staff(world):
    page = _client(world, "rivera").get("/design/")
    assert page.status_code == 200
    html = page.content.decode()
    for section in (
        "levels",
        "grid",
        "buttons",
        "alerts",
        "forms",
        "tags",
        "summary",
        "tables",
        "suppressed",
        "progress",
        "pagination",
        "charts",
    ):
        assert f'id="{section}"' in html, section
    for state in (
        "gc-none",
        "gc-insufficient",
        "gc-1",
        "gc-3",
        "gc-4",
        "gc-inferred",
        "badge-none",
        "badge-insufficient",
        "Not yet proficient",
        "withheld",
        "usa-step-indicator",
        "<progress",
        "usa-summary-box",
        "usa-card",
        "usa-alert--error",
        "usa-pagination",
        'class="chart-canvas"',
        "An empty list",
    ):
        assert state in html, state
    # The form with errors shows each one beside its field, in the system's pattern.
    assert html.count("usa-form-group--error") == 3  # title, kind and the impossible date
    assert 'id="err_invalid_title"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ana", "garcia.family"])
def test_the_style_guide_is_not_found_for_students_and_guardians(world, username):
    page = _client(world, username).get("/design/")
    assert page.status_code == 404
    assert "Style guide" not in page.content.decode()
    home = _client(world, username).get("/", follow=True).content.decode()
    assert "/design/" not in home  # nor linked from their pages


@pytest.mark.django_db
def test_the_style_guide_asks_anyone_else_to_log_in(world):
    page = Client().get("/design/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_style_guide_in_spanish(world):
    client = _client(world, "rivera")
    client.cookies["django_language"] = "es"
    html = client.get("/design/").content.decode()
    assert "Guía de estilo" in html
    assert "Niveles de dominio" in html


def test_a_field_with_an_error_renders_the_systems_error_pattern_beside_it():
    form = SpecimenForm({"title": "", "kind": "quiz", "assessed_at": "2026-02-01"})
    assert not form.is_valid()
    title = str(form["title"].as_field_group())
    assert 'class="usa-form-group field usa-form-group--error"' in title
    assert 'class="usa-label usa-label--error"' in title
    assert 'class="usa-input usa-input--error"' in title
    assert re.search(
        r'<span class="usa-error-message field-error" id="err_id_title" role="alert">'
        r"This field is required.</span>\s*<input",
        title,
    )
    kind = str(form["kind"].as_field_group())
    assert 'class="usa-select"' in kind
    assert "usa-form-group--error" not in kind
    note = str(form["note"])
    assert 'class="usa-textarea"' in note
    # A checkbox keeps the browser's control (the system's needs its label right after it).
    notify = str(form["notify"].as_field_group())
    assert "usa-checkbox" not in notify
    assert "field-check" in notify
    assert notify.index("<input") < notify.index("<label")


def test_a_widget_keeps_its_own_classes_beside_the_systems():
    from django import forms

    class F(forms.Form):
        url = forms.CharField(widget=forms.TextInput(attrs={"class": "share-url"}))

    assert 'class="usa-input share-url"' in str(F()["url"])


def test_pagination_shows_the_ends_and_the_pages_around_the_current_one():
    paginator = Paginator(range(240), 20)  # 12 pages
    assert page_links(paginator.page(1)) == [1, 2, None, 12]
    assert page_links(paginator.page(6)) == [1, None, 5, 6, 7, None, 12]
    assert page_links(paginator.page(12)) == [1, None, 11, 12]
    html = render_to_string(
        "web/_pagination.html", {"page": paginator.page(6), "page_query": "reason=off"}
    )
    assert 'href="?reason=off&amp;page=5" rel="prev"' in html
    assert 'aria-current="page"' in html
    assert ">6</a>" in html
    assert html.count("usa-pagination__overflow") == 2
    assert "Page 6 of 12" in html
    assert (
        render_to_string("web/_pagination.html", {"page": Paginator(range(5), 20).page(1)}).strip()
        == ""
    )


def _our_css() -> dict[Path, int]:
    return {
        p: len(p.read_text().splitlines())
        for p in SRC.glob("*/static/**/*.css")
        if not p.name.endswith("-print.css")
    }


def test_the_css_we_write_ourselves_stays_small():
    sizes = _our_css()
    assert SRC / "web" / "static" / "proficio" / "proficio.css" in sizes
    assert sum(sizes.values()) <= OUR_SCREEN_CSS_LIMIT, sizes


def test_no_template_uses_an_inline_style_or_script():
    offenders = []
    for template in SRC.glob("*/templates/**/*.html"):
        if "email" in template.parts:
            continue  # e-mail bodies are not served under our CSP; mail clients need inline styles
        text = template.read_text()
        if re.search(r"\sstyle\s*=", text) or re.search(r"<style[\s>]", text):
            offenders.append(str(template))
        for script in re.findall(r"<script\b([^>]*)>", text):
            if "src=" not in script and "application/json" not in script:
                offenders.append(f"{template}: <script{script}>")
    assert offenders == []


def test_the_design_systems_files_are_served_from_our_static_files():
    for name in (
        "vendor/uswds/css/uswds.min.css",
        "vendor/uswds/js/uswds.min.js",
        "vendor/uswds/js/uswds-init.min.js",
        "vendor/uswds/img/usa-icons/close.svg",
    ):
        assert finders.find(name), name
    css = Path(finders.find("vendor/uswds/css/uswds.min.css")).read_text()
    # Every font and image the stylesheet names lies beside it, under vendor/uswds/.
    for ref in set(re.findall(r"url\(([^)]+)\)", css)):
        ref = ref.strip("'\"")
        if ref.startswith("data:"):
            continue
        assert ref.startswith("../"), ref
        assert finders.find("vendor/uswds/" + ref[3:].split("?")[0].split("#")[0]), ref


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/design/", "/students/", "/audit/", "/accounts/login/"])
def test_pages_load_nothing_from_another_origin(world, path):
    client = _client(world, "district.admin") if path != "/accounts/login/" else Client()
    page = client.get(path, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    loaded = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*?(?:src|href)="([^"]+)"', html)
    assert loaded, path
    assert all(url.startswith("/static/") for url in loaded), loaded
    assert "vendor/uswds/css/uswds.min.css" in html
    csp = page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "style-src 'self'" in csp
