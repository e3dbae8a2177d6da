"""Learning tools: a district's activity alignments, and the last pulls' reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio import policy
from proficio.frameworks.models import Item, ItemKind
from proficio.lrs import actions
from proficio.lrs.forms import AlignmentForm
from proficio.lrs.models import ActivityAlignment, LrsPull
from proficio.policy import Act, Subject
from proficio.web.forms import show_errors


def _districts(request: HttpRequest, act: Act) -> object:
    return policy.visible(request.user, Subject.LRS, act).filter(kind="district")


def _target(request: HttpRequest, text: str) -> Item | None:
    text = text.strip()
    frameworks = policy.visible(request.user, Subject.FRAMEWORK).values("pk")
    items = Item.objects.filter(framework__in=frameworks, kind=ItemKind.TARGET)
    match = Q(uri=text) | Q(human_coding_scheme=text)
    try:
        import uuid

        match |= Q(identifier=uuid.UUID(text))
    except ValueError:
        pass
    found = list(items.filter(match)[:2])
    return found[0] if len(found) == 1 else None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    districts = _districts(request, Act.VIEW)
    if not districts.exists():  # type: ignore[attr-defined]
        raise PermissionDenied
    changeable = _districts(request, Act.CHANGE)
    form = AlignmentForm(request.POST or None, districts=changeable)
    if request.method == "POST" and form.is_valid():
        target = _target(request, form.cleaned_data["target"])
        if target is None:
            form.add_error("target", _("No one learning target has this code, identifier or URI."))
        else:
            try:
                actions.align_activity(
                    request.user,
                    form.cleaned_data["district"],
                    activity_id=form.cleaned_data["activity_id"],
                    target=target,
                )
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, _("The activity is aligned."))
                return redirect("lrs:home")
    alignments = ActivityAlignment.objects.filter(district__in=districts).select_related(
        "district", "target", "target__framework"
    )
    pulls = LrsPull.objects.all()[:5]
    return render(
        request,
        "lrs/home.html",
        {
            "form": form,
            "alignments": alignments,
            "pulls": pulls,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def alignment_remove(request: HttpRequest, alignment_id: int) -> HttpResponse:
    alignment = ActivityAlignment.objects.filter(
        pk=alignment_id, district__in=_districts(request, Act.CHANGE)
    ).first()
    if alignment is None:
        raise Http404("No such alignment")
    actions.remove_alignment(request.user, alignment)
    messages.success(request, _("The alignment is removed; evidence already recorded stays."))
    return redirect("lrs:home")
