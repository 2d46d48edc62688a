"""Staff views of the schedule: the upcoming issues (drafts made ahead), the current issue, this year's
dates, a button to plan now; and the issue editor's Publishing panel (what goes live with the issue)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from masthead.editions import publishing, schedule
from masthead.editions.models import IssueSchedule
from masthead.newsroom.models import IssuePage


def _can_use_admin(user: Any) -> bool:
    return bool(user.is_active and user.has_perm("wagtailadmin.access_admin"))


def _may_plan(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm("newsroom.add_issuepage"))


@require_http_methods(["GET"])
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def upcoming(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rule = schedule.rule()
    year_slots, dropped = rule.year(today.year)
    by_date = {issue.cover_date: issue for issue in IssuePage.objects.filter(cover_date__year__in=[today.year, today.year + 1])}
    rows = [{"slot": slot, "issue": by_date.get(slot.cover_date)} for slot in year_slots]
    ahead = [{"slot": slot, "issue": by_date.get(slot.cover_date)} for slot in rule.slots_from(today, rule.issues_ahead)]
    return TemplateResponse(
        request,
        "editions/admin/upcoming.html",
        {
            "page_title": "Upcoming issues",
            "header_icon": "date",
            "rule": rule,
            "configured": IssueSchedule.objects.exists(),
            "frequency": dict(IssueSchedule._meta.get_field("frequency").choices or []).get(rule.frequency, rule.frequency),
            "current": IssuePage.objects.current(),
            "ahead": ahead,
            "year": today.year,
            "rows": rows,
            "dropped": dropped,
            "candidate_count": len(rows) + len(dropped),
            "today": today,
            "may_plan": _may_plan(request.user),
        },
    )


@require_POST
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def plan_now(request: HttpRequest) -> HttpResponse:
    if not _may_plan(request.user):
        raise PermissionDenied
    plan = schedule.plan_issues()
    if plan.created:
        messages.success(request, "Created as drafts: " + ", ".join(f"No. {i.number} ({i.title})" for i in plan.created) + ".")
    else:
        messages.info(request, "The upcoming issues already exist.")
    for slot, why in plan.skipped:
        messages.warning(request, f"Not created: {slot.title} (volume {slot.volume}, No. {slot.number}): {why}.")
    return redirect(reverse("editions_admin_upcoming"))


def publishing_panel(request: HttpRequest | None, issue: Any) -> str:
    """The issue editor's Publishing panel: which articles go live with the issue, which are not ready and why."""
    user = getattr(request, "user", None)
    states = publishing.article_states(issue, user if getattr(user, "is_authenticated", False) else None)
    revision = getattr(issue, "latest_revision", None)
    go_live_at = getattr(issue, "go_live_at", None) or getattr(revision, "approved_go_live_at", None)
    if go_live_at is not None and go_live_at <= timezone.now():
        go_live_at = None
    return render_to_string(
        "editions/admin/issue_publishing.html",
        {
            "issue": issue,
            "go_live_at": go_live_at,
            "ready": [s for s in states if s.state == publishing.READY],
            "not_ready": [s for s in states if s.state == publishing.NOT_READY],
            "live": [s for s in states if s.state == publishing.LIVE],
        },
        request=request,
    )


def after_publish_message(request: HttpRequest, page: Any) -> None:
    """Say what went live with the issue (or will, when scheduled) and name what did not."""
    if not isinstance(page.specific, IssuePage):
        return
    issue = IssuePage.objects.get(pk=page.pk)
    states = publishing.article_states(issue)
    missing = [s for s in states if s.state == publishing.NOT_READY]
    waiting = [s for s in states if s.state == publishing.READY]
    if issue.live:
        messages.success(request, f"{issue.title} is live with {len(states) - len(missing)} article(s).")
    elif waiting:
        revision = issue.latest_revision
        when = getattr(revision, "approved_go_live_at", None) or issue.go_live_at
        at = f" on {timezone.localtime(when):%B %-d, %Y at %H:%M}" if when else ""
        messages.info(request, f"{issue.title} is scheduled{at}; {len(waiting)} article(s) go live with it.")
    for state in missing:
        messages.warning(request, f"Not published with the issue: “{state.article.title}” — {state.reason}.")
