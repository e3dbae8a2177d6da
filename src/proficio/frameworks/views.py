"""Framework pages: browse, search, the continuum, import, and the administrators' editor.

Views parse input, ask ``proficio.policy``, call an action, and render.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.accounts.models import User
from proficio.core.standards import case
from proficio.frameworks import actions, case_io, graph_svg
from proficio.frameworks.forms import (
    ExemplarForm,
    FrameworkForm,
    FrameworkSearchForm,
    ImportForm,
    ItemForm,
    PrerequisiteForm,
)
from proficio.frameworks.models import (
    AssociationType,
    Exemplar,
    Framework,
    HomeSupport,
    ImportJob,
    Item,
    ItemKind,
    JobStatus,
    PerformanceLevel,
    Translation,
    TranslationKind,
)
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # every view here requires login
    return request.user


def _item(framework: Framework, item_id: int) -> Item:
    item: Item | None = (
        framework.items.filter(pk=item_id).select_related("level", "framework").first()
    )
    if item is None:
        raise Http404("No such item")
    return item


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.VIEW, Subject.FRAMEWORK)
    frameworks = (
        policy.visible(request.user, Subject.FRAMEWORK).select_related("owner").order_by("title")
    )
    return render(
        request,
        "frameworks/list.html",
        {
            "frameworks": frameworks,
            "can_author": policy.may(request.user, Act.CHANGE, Subject.FRAMEWORK),
        },
    )


def tree_rows(framework: Framework, query: str = "") -> list[dict[str, Any]]:
    """The framework's hierarchy in display order, as rows with a depth.

    With a query, only matching items and their ancestors are kept.
    """
    items = {
        i.pk: i for i in framework.items.filter(archived_at__isnull=True).select_related("level")
    }
    children: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    has_parent: set[int] = set()
    for a in framework.associations.filter(association_type=AssociationType.IS_CHILD_OF).values(
        "origin_item_id", "destination_item_id", "sequence_number"
    ):
        child, parent = a["origin_item_id"], a["destination_item_id"]
        if child in items and (parent is None or parent in items):
            children[parent].append((a["sequence_number"] or 0, child))
            if parent is not None:
                has_parent.add(child)
    roots = [(seq, c) for seq, c in children.get(None, []) if c not in has_parent]
    roots += [(0, pk) for pk in items if pk not in has_parent and all(c != pk for _, c in roots)]
    keep: set[int] | None = None
    if query:
        q = query.lower()
        matched = {
            pk
            for pk, i in items.items()
            if q in i.full_statement.lower()
            or q in (i.human_coding_scheme or "").lower()
            or q in (i.abbreviated_statement or "").lower()
        }
        parent_of = {c: p for p, cs in children.items() if p is not None for _, c in cs}
        keep = set()
        for start in matched:
            node: int | None = start
            while node is not None and node not in keep:
                keep.add(node)
                node = parent_of.get(node)
    rows: list[dict[str, Any]] = []
    stack = [
        (c, 0)
        for _, c in sorted(
            roots, key=lambda t: (t[0], items[t[1]].human_coding_scheme or ""), reverse=True
        )
    ]
    seen: set[int] = set()
    while stack:
        pk, depth = stack.pop()
        if pk in seen or (keep is not None and pk not in keep):
            continue
        seen.add(pk)
        rows.append({"item": items[pk], "depth": depth, "indent": min(depth, 6)})
        kids = sorted(
            children.get(pk, []),
            key=lambda t: (t[0], items[t[1]].human_coding_scheme or ""),
            reverse=True,
        )
        stack.extend((c, depth + 1) for _, c in kids)
    return rows


@login_required
def framework_detail(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id)
    form = FrameworkSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    rows = tree_rows(framework, query)
    template = (
        "frameworks/_tree.html" if request.headers.get("HX-Request") else "frameworks/detail.html"
    )
    return render(
        request,
        template,
        {
            "framework": framework,
            "rows": rows,
            "form": form,
            "query": query,
            "levels": framework.levels.all(),
            "can_change": policy.can(request.user, Act.CHANGE, Subject.FRAMEWORK, framework),
        },
    )


def _graph_for(item: Item) -> tuple[str, list[Item], list[Item]]:
    """The neighbourhood of ``item`` in the prerequisite graph, drawn, plus both lists."""
    framework = item.framework
    if item.kind == ItemKind.TARGET:
        focus_ids = {item.pk}
    else:
        focus_ids = set(
            framework.associations.filter(
                association_type=AssociationType.IS_CHILD_OF, destination_item=item
            ).values_list("origin_item_id", flat=True)
        )
    precedes = list(
        framework.associations.filter(association_type=AssociationType.PRECEDES)
        .filter(Q(origin_item_id__in=focus_ids) | Q(destination_item_id__in=focus_ids))
        .values_list("origin_item_id", "destination_item_id")
    )
    ids = focus_ids | {a for a, _ in precedes} | {b for _, b in precedes}
    nodes = {i.pk: i for i in Item.objects.filter(pk__in=ids)}
    svg = graph_svg.render(
        [
            graph_svg.Node(
                key=pk,
                label=i.human_coding_scheme or i.short,
                title=f"{i.human_coding_scheme or ''} {i.full_statement}".strip(),
                focus=pk in focus_ids,
            )
            for pk, i in sorted(nodes.items())
        ],
        precedes,
        _("Prerequisite graph: arrows point from what comes first to what it leads to."),
    )
    before = [nodes[a] for a, b in precedes if b == item.pk and a in nodes]
    after = [nodes[b] for a, b in precedes if a == item.pk and b in nodes]
    return svg, before, after


@login_required
def item_detail(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    """A competency's continuum (levels side by side), or one learning target."""
    framework = policy.access_framework(request.user, framework_id)
    item = _item(framework, item_id)
    levels = list(framework.levels.all())
    statements = {s.level_id: s for s in item.level_statements.all()}
    exemplars = defaultdict(list)
    for ex in item.exemplars.all():
        exemplars[ex.level_id].append(ex)
    targets = (
        Item.objects.filter(
            framework=framework,
            archived_at__isnull=True,
            pk__in=framework.associations.filter(
                association_type=AssociationType.IS_CHILD_OF, destination_item=item
            ).values("origin_item_id"),
        )
        .select_related("level")
        .order_by("level__position", "human_coding_scheme")
    )
    by_level = defaultdict(list)
    for t in targets:
        by_level[t.level_id].append(t)
    columns = [
        {
            "level": lv,
            "statement": statements.get(lv.pk),
            "targets": by_level.get(lv.pk, []),
            "exemplars": exemplars.get(lv.pk, []),
        }
        for lv in levels
    ]
    svg, before, after = _graph_for(item)
    scale = item.effective_scale()
    return render(
        request,
        "frameworks/item.html",
        {
            "framework": framework,
            "item": item,
            "columns": columns,
            "unlevelled": by_level.get(None, []),
            "graph_svg": svg,
            "before": before,
            "after": after,
            "scale_levels": list(scale.levels.all()) if scale else [],
            "criteria": item.criteria.select_related("rubric").prefetch_related("levels"),
            "can_change": policy.can(request.user, Act.CHANGE, Subject.FRAMEWORK, framework),
        },
    )


@login_required
def framework_export(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id)
    data = case.build_package(case_io.export_package(framework))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="case-{framework.identifier}.json"'
    return response


HISTORY_PAGE = 100


@login_required
def framework_history(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id)
    # Every change, a page at a time (a translated framework has thousands).
    page = Paginator(framework.history.all(), HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "frameworks/history.html",
        {"framework": framework, "changes": page.object_list, "page": page},
    )


# -- Import ----------------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.CHANGE, Subject.FRAMEWORK)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = actions.start_import(
            request.user,
            filename=upload.name,
            payload=upload.read(),
            as_draft=form.cleaned_data["as_draft"],
        )
        return redirect("frameworks:import_job", job_id=job.pk)
    jobs = ImportJob.objects.filter(created_by=_user(request))[:10]
    return render(
        request,
        "frameworks/import.html",
        {"form": form, "jobs": jobs},
        status=400 if form.errors else 200,
    )


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    job: ImportJob = policy.access(request.user, Subject.IMPORT_JOB, job_id)
    return job.live()


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    warnings = (job.report or {}).get("warnings", []) if job.status == JobStatus.DONE else []
    return render(
        request,
        "frameworks/import_job.html",
        {
            "job": job,
            "JobStatus": JobStatus,
            "warning_summary": case_io.summarize_warnings(warnings),
        },
    )


@login_required
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """Polled by the import page (HTMX) until the job ends."""
    job = _job(request, job_id)
    response = render(
        request, "frameworks/_import_progress.html", {"job": job, "JobStatus": JobStatus}
    )
    if job.status in (JobStatus.DONE, JobStatus.FAILED):
        response["HX-Refresh"] = "true"  # show the full report
    return response


# -- Editing (district administrators) -------------------------------------------------------


@login_required
def framework_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, Act.CHANGE, Subject.FRAMEWORK)
    owner = actions.import_owner(request.user)
    form = FrameworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            framework = actions.create_framework(
                title=form.cleaned_data["title"],
                creator=owner.name if owner else str(request.user),
                owner=owner,
                language=form.cleaned_data["language"],
                subject=[s.strip() for s in form.cleaned_data["subject"].split(",") if s.strip()],
                description=form.cleaned_data["description"] or None,
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, _("Framework created. Add its domains, competencies and targets.")
            )
            return redirect("frameworks:detail", framework_id=framework.pk)
    return render(
        request,
        "frameworks/form.html",
        {"form": form, "title": _("New framework")},
        status=400 if form.errors else 200,
    )


@login_required
def item_create(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    form = ItemForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = actions.add_item(
                framework,
                full_statement=data["full_statement"],
                abbreviated=data["abbreviated_statement"] or None,
                code=data["human_coding_scheme"] or None,
                kind=data["kind"],
                category=data["category"],
                parent=data["parent"],
                level=data["level"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Added."))
            return redirect("frameworks:item", framework_id=framework.pk, item_id=item.pk)
    return render(
        request,
        "frameworks/form.html",
        {"form": form, "framework": framework, "title": _("Add to the framework")},
        status=400 if form.errors else 200,
    )


@login_required
def item_edit(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    item = _item(framework, item_id)
    initial = {
        "full_statement": item.full_statement,
        "abbreviated_statement": item.abbreviated_statement,
        "human_coding_scheme": item.human_coding_scheme,
        "category": item.category,
        "level": item.level,
        "kind": item.kind,
        "scale": item.scale,
    }
    form = ItemForm(request.POST or None, framework=framework, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_item(
                item,
                full_statement=data["full_statement"],
                abbreviated_statement=data["abbreviated_statement"] or None,
                human_coding_scheme=data["human_coding_scheme"] or None,
                category=data["category"],
                level=data["level"],
            )
            if "scale" in form.fields and data.get("scale") != item.scale:
                actions.set_competency_scale(item, data.get("scale"))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("frameworks:item", framework_id=framework.pk, item_id=item.pk)
    return render(
        request,
        "frameworks/form.html",
        {"form": form, "framework": framework, "item": item, "title": _("Edit")},
        status=400 if form.errors else 200,
    )


@login_required
def prerequisite_add(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    item = _item(framework, item_id)
    form = PrerequisiteForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_association(
                framework, AssociationType.PRECEDES, form.cleaned_data["prerequisite"], item
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Prerequisite added."))
            return redirect("frameworks:item", framework_id=framework.pk, item_id=item.pk)
    return render(
        request,
        "frameworks/form.html",
        {"form": form, "framework": framework, "item": item, "title": _("Add a prerequisite")},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def item_retire(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    item = _item(framework, item_id)
    outcome = actions.retire_item(item)
    if outcome == "archived":
        messages.info(
            request,
            _(
                "Archived: it is kept because other records refer to it "
                "or the framework is published."
            ),
        )
    else:
        messages.success(request, _("Removed."))
    return redirect("frameworks:detail", framework_id=framework.pk)


@login_required
def level_statements_edit(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    item = _item(framework, item_id)
    if item.kind != ItemKind.COMPETENCY:
        raise Http404("Only competencies have level statements")
    levels = list(framework.levels.all())
    statements = {s.level_id: s for s in item.level_statements.all()}
    supports = {h.level_id: h for h in HomeSupport.objects.filter(item=item)}
    spanish = {
        (t.kind, t.object_id): t.text
        for t in Translation.objects.filter(
            language="es",
            kind__in=[TranslationKind.LEVEL_STATEMENT, TranslationKind.HOME_SUPPORT],
            object_id__in=[s.pk for s in statements.values()] + [h.pk for h in supports.values()],
        )
    }

    def values(lv: PerformanceLevel) -> dict[str, str]:
        st, hs = statements.get(lv.pk), supports.get(lv.pk)
        return {
            "text": st.statement if st else "",
            "text_es": spanish.get((TranslationKind.LEVEL_STATEMENT, st.pk), "") if st else "",
            "help": hs.text if hs else "",
            "help_es": spanish.get((TranslationKind.HOME_SUPPORT, hs.pk), "") if hs else "",
        }

    current = {lv.pk: values(lv) for lv in levels}
    errors: dict[tuple[int, str], str] = {}
    if request.method == "POST":
        posts = {
            lv.pk: {
                key: request.POST.get(f"{key}-{lv.pk}", "").strip()
                for key in ("text", "text_es", "help", "help_es")
            }
            for lv in levels
        }
        # A translation needs its English: refuse it beside its field before saving anything.
        for lv in levels:
            posted = posts[lv.pk]
            if posted["text_es"] and not (posted["text"] or lv.pk in statements):
                errors[(lv.pk, "text_es")] = _(
                    "Write the statement first: a translation needs something to translate."
                )
            if posted["help_es"] and not posted["help"]:
                errors[(lv.pk, "help_es")] = _(
                    "Write how to help at home first: a translation needs something to translate."
                )
        for lv in levels if not errors else []:
            posted, before = posts[lv.pk], current[lv.pk]
            try:
                if posted["text"] and posted["text"] != before["text"]:
                    statements[lv.pk] = actions.set_level_statement(item, lv, posted["text"])
                if posted["text_es"] != before["text_es"] and lv.pk in statements:
                    actions.set_translation(
                        TranslationKind.LEVEL_STATEMENT,
                        statements[lv.pk].pk,
                        "statement",
                        "es",
                        posted["text_es"],
                    )
                if posted["help"] != before["help"]:
                    made = actions.set_home_support(item, lv, posted["help"])
                    if made is None:
                        supports.pop(lv.pk, None)
                    else:
                        supports[lv.pk] = made
                if posted["help_es"] != before["help_es"] and lv.pk in supports:
                    actions.set_translation(
                        TranslationKind.HOME_SUPPORT,
                        supports[lv.pk].pk,
                        "text",
                        "es",
                        posted["help_es"],
                    )
            except ValidationError as exc:
                errors[(lv.pk, "text")] = "; ".join(exc.messages)
        current = posts
        if not errors:
            messages.success(request, _("Level statements saved."))
            return redirect("frameworks:item", framework_id=framework.pk, item_id=item.pk)
    rows = [
        {
            "level": lv,
            **current[lv.pk],
            "errors": {key: errors.get((lv.pk, key)) for key in ("text", "text_es", "help_es")},
        }
        for lv in levels
    ]
    return render(
        request,
        "frameworks/level_statements.html",
        {"framework": framework, "item": item, "rows": rows},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def framework_publish(request: HttpRequest, framework_id: int) -> HttpResponse:
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    try:
        actions.publish_framework(framework)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Published: everyone can now see it, here and through CASE."))
    return redirect("frameworks:detail", framework_id=framework.pk)


@login_required
def exemplar_add(request: HttpRequest, framework_id: int, item_id: int) -> HttpResponse:
    """Attach a work sample that shows proficiency at a level of a competency."""
    framework = policy.access_framework(request.user, framework_id, Act.CHANGE)
    item = _item(framework, item_id)
    form = ExemplarForm(request.POST or None, request.FILES or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        if upload is not None:
            from proficio.evidence.actions import sniff

            if sniff(upload) not in ("application/pdf", "image/png", "image/jpeg"):
                form.add_error("file", _("Attach a PDF, PNG or JPEG file."))
        if not form.errors:
            try:
                actions.add_exemplar(
                    item,
                    title=data["title"],
                    level=data["level"],
                    description=data["description"],
                    url=data["url"] or "",
                    file=upload,
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("Exemplar added."))
                return redirect("frameworks:item", framework_id=framework.pk, item_id=item.pk)
    return render(
        request,
        "frameworks/form.html",
        {
            "form": form,
            "framework": framework,
            "item": item,
            "title": _("Add an exemplar"),
            "multipart": True,
        },
        status=400 if form.errors else 200,
    )


@login_required
def exemplar_file(request: HttpRequest, exemplar_id: int) -> HttpResponse | FileResponse:
    exemplar = Exemplar.objects.filter(pk=exemplar_id).select_related("item").first()
    if exemplar is None or not exemplar.file:
        raise Http404("No such exemplar")
    policy.access_framework(request.user, exemplar.item.framework_id)
    from proficio.evidence.actions import sniff

    handle = exemplar.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=exemplar.file.name.rsplit("/", 1)[-1],
        content_type=sniff(handle),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
