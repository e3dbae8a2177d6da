"""A person's notifications: the list (paged, mark read), opening one, and preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from proficio.notifications import actions
from proficio.notifications.forms import PreferencesForm
from proficio.web.forms import show_errors

PER_PAGE = 20


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    notifications = actions.visible_notifications(request.user).select_related("student")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    actions.page_read(request.user, page.object_list)
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": actions.unread_count(request.user),
        },
    )


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification (from the list or an email): it is read now."""
    notification = actions.access_notification(request.user, notification_id)
    actions.mark_read(request.user, notification)
    return redirect(notification.link)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:list")
    return redirect(target)


@login_required
@require_POST
def mark(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = actions.access_notification(request.user, notification_id)
    if request.POST.get("read") == "0":
        actions.mark_unread(request.user, notification)
        messages.success(request, _("Marked as unread."))
    else:
        actions.mark_read(request.user, notification)
        messages.success(request, _("Marked as read."))
    return _back(request)


@login_required
@require_POST
def mark_all(request: HttpRequest) -> HttpResponse:
    n = actions.mark_all_read(request.user)
    messages.success(
        request, _("All notifications are marked as read.") if n else _("Nothing was unread.")
    )
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = actions.preferences(request.user)
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_preferences(request.user, form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, _("Your choices are saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},  # type: ignore[union-attr]
        status=400 if form.errors else 200,
    )
