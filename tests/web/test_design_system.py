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
from django.utils import translation

from proficio.web.forms_render import control_class
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
        'class="chart-canvas width-full"',
        "An empty list",
    ):
        assert state in html, state
    # The form with errors shows each one beside its field, in the system's pattern.
    # (title, kind, the impossible date and the unanswered radio buttons)
    assert html.count("usa-form-group--error") == 4
    assert 'id="invalid_title_error"' in html
    assert 'aria-describedby="invalid_reach_error"' in html  # on the radio buttons' fieldset
    # Checkboxes, radio buttons and the file input: empty, chosen, disabled.
    assert html.count('class="usa-checkbox"') == 3 * 4  # a lone one and three days, per form
    assert html.count('class="usa-radio"') == 3 * 2
    assert html.count('type="file"') == 3
    assert re.search(r'<input type="checkbox" name="notify"[^>]*id="chosen_notify" checked>', html)
    assert re.search(r'<input type="radio" name="reach" value="letter"[^>]*checked', html)
    assert re.search(r'<input type="file" name="work"[^>]*disabled[^>]*id="chosen_work"', html)


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
    # The error's id is the one Django's aria-describedby names on the control.
    assert re.search(
        r'<span class="usa-error-message field-error" id="id_title_error" role="alert">'
        r"This field is required.</span>\s*<input",
        title,
    )
    assert 'aria-describedby="id_title_helptext id_title_error"' in title
    kind = str(form["kind"].as_field_group())
    assert 'class="usa-select"' in kind
    assert "usa-form-group--error" not in kind
    note = str(form["note"])
    assert 'class="usa-textarea"' in note


def _controls(html: str, kind: str) -> list[str]:
    return re.findall(rf'<input type="{kind}"[^>]*>', html)


def test_checkboxes_radio_buttons_and_files_are_the_systems():
    form = SpecimenForm({"title": "", "kind": "quiz", "assessed_at": "2026-02-01"})
    form.is_valid()
    # A lone checkbox: the system's box, the input first and its label right after it.
    notify = str(form["notify"].as_field_group())
    assert re.search(
        r'<div class="usa-checkbox"><input type="checkbox" name="notify" '
        r'class="usa-checkbox__input" id="id_notify">'
        r'<label class="usa-checkbox__label" for="id_notify">Tell the families</label></div>',
        notify,
    )
    # Radio buttons with an error: a fieldset that names its error, each option the system's.
    reach = str(form["reach"].as_field_group())
    assert "usa-form-group--error" in reach
    assert '<fieldset class="usa-fieldset" aria-describedby="id_reach_error">' in reach
    assert '<span class="usa-error-message field-error" id="id_reach_error"' in reach
    radios = re.findall(
        r'<div class="usa-radio"><input type="radio" name="reach" value="(\w+)"[^>]*'
        r'class="usa-radio__input" id="(id_reach_\d)">\s*'
        r'<label class="usa-radio__label" for="(id_reach_\d)">',
        reach,
    )
    assert [(v, a == b) for v, a, b in radios] == [("email", True), ("letter", True)]
    # A group of checkboxes (a RadioSelect to Django): checkboxes, not radio buttons.
    days = str(form["days"].as_field_group())
    assert days.count('class="usa-checkbox"') == 3
    assert "usa-radio" not in days
    assert all("usa-checkbox__input" in box for box in _controls(days, "checkbox"))
    # The file input: the system's drop zone, with its words in the page's language.
    work = str(form["work"].as_field_group())
    (file_input,) = _controls(work, "file")
    assert 'class="usa-file-input"' in file_input
    assert 'aria-describedby="id_work_helptext"' in file_input
    assert 'data-drag-text="Drag a file here or"' in file_input
    assert '<label class="usa-label" for="id_work">' in work
    with translation.override("es"):
        assert 'data-drag-text="Arrastre un archivo aquí o"' in str(form["work"])


@pytest.mark.django_db
def test_every_checkbox_radio_and_file_in_our_forms_is_the_systems():
    """Each form class in the product, rendered field by field: no browser-native box left."""
    from django import forms as django_forms

    rendered = 0
    for form_class in _all_form_classes():
        try:
            form = form_class()
        except TypeError:
            continue  # needs arguments (a school, a student): its widgets are checked below
        for field in form:
            html = str(field.as_field_group())
            for kind, cls in (("checkbox", "usa-checkbox__input"), ("radio", "usa-radio__input")):
                for box in _controls(html, kind):
                    assert cls in box, (form_class, field.name, box)
                    rendered += 1
            for box in _controls(html, "file"):
                assert "usa-file-input" in box, (form_class, field.name, box)
                rendered += 1
    assert rendered >= 10
    # And the classes come from the widget alone, whatever the form's arguments.
    for widget, cls in (
        (django_forms.CheckboxInput(), "usa-checkbox__input"),
        (django_forms.CheckboxSelectMultiple(), "usa-checkbox__input"),
        (django_forms.RadioSelect(), "usa-radio__input"),
        (django_forms.ClearableFileInput(), "usa-file-input"),
    ):
        assert control_class(widget) == cls


def _all_form_classes() -> list[type]:
    import importlib
    import inspect

    from django import forms as django_forms

    classes = []
    for path in sorted(SRC.glob("*/forms.py")):
        module = importlib.import_module(f"proficio.{path.parent.name}.forms")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, django_forms.BaseForm) and obj.__module__ == module.__name__:
                classes.append(obj)
    return classes


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


def _group_of(html: str, control_id: str) -> str:
    """The usa-form-group that holds the control with this id."""
    at = html.index(f'id="{control_id}"')
    start = html.rindex('<div class="usa-form-group', 0, at)
    return html[start : html.index("</div>", at) + len("</div>")]


@pytest.mark.django_db
def test_hand_written_search_and_filter_fields_have_the_label_and_error_pattern(world):
    """The student search, the class grid's filters and the "as it stood on" day: a label of
    the system's, and a bad value's error beside its field, named by the control."""
    client = _client(world, "rivera")
    search = client.get("/students/", {"q": "x" * 101}).content.decode()
    group = _group_of(search, "id_q")
    assert 'class="usa-form-group field usa-form-group--error"' in group
    assert '<label class="usa-label usa-label--error" for="id_q">Find a student:</label>' in group
    assert re.search(r'<span class="usa-error-message field-error" id="id_q_error"', group)
    assert 'aria-describedby="id_q_error"' in group
    # Without an error: the same group and label, and no error.
    group = _group_of(client.get("/students/").content.decode(), "id_q")
    assert '<label class="usa-label" for="id_q">' in group
    assert "usa-error-message" not in group
    assert "aria-invalid" not in group

    from django.urls import reverse

    grid_url = reverse("classroom:grid", args=[world.rivera_section.pk])
    grid = client.get(grid_url, {"level": "no-such-level"}).content.decode()
    level = _group_of(grid, "id_level")
    assert "usa-form-group--error" in level
    assert '<span class="usa-error-message field-error" id="id_level_error" role="alert">' in level
    assert 'class="usa-select usa-select--error"' in level
    assert 'aria-invalid="true" aria-describedby="id_level_error"' in level
    sort = _group_of(grid, "id_sort")
    assert '<label class="usa-label" for="id_sort">' in sort
    assert "usa-error-message" not in sort

    for url in (
        reverse("web:student_detail", args=[world.ana.pk]),
        reverse("mastery:student_target", args=[world.ana.pk, world.target("MATH.1.2").pk]),
    ):
        page = _client(world, "principal").get(url, {"as_of": "not-a-date"}).content.decode()
        day = _group_of(page, "id_as_of")
        assert "usa-form-group--error" in day, url
        assert 'id="id_as_of_error" role="alert">Give the date as YYYY-MM-DD.</span>' in day
        assert 'type="date"' in day
        assert 'aria-describedby="id_as_of_error"' in day


def test_no_template_leaves_a_checkbox_radio_or_file_input_to_the_browser():
    """Hand-written checkboxes, radio buttons and file inputs carry the system's classes, and
    every hand-written label beside a control in a form group is the system's."""
    offenders = []
    for template in SRC.glob("*/templates/**/*.html"):
        if "educators" in template.parts or template.name == "home_student.html":
            continue  # another engineer's templates (issue 17's hand-over)
        text = template.read_text()
        for tag in re.findall(r'<input\b[^>]*type="(?:checkbox|radio|file)"[^>]*>', text):
            if not re.search(r'class="[^"]*usa-(?:checkbox__input|radio__input|file-input)', tag):
                offenders.append(f"{template.name}: {tag}")
        for group in re.findall(r'<div class="usa-form-group[^"]*">\s*<label\b[^>]*>', text):
            if "usa-label" not in group:
                offenders.append(f"{template.name}: {group}")
    assert offenders == []
