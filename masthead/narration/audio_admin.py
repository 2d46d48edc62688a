"""Staff tools for article audio: the "Articles without audio" report and its re-queue action,
and the reader's account panel with their private podcast feed.

Registered as Wagtail hooks from wagtail_hooks.py.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from masthead.access import entitlements
from masthead.access.levels import AccessLevel
from masthead.narration.feed_tokens import active_token
from masthead.narration.listening import FULL, READY, TEASER, narration_model
from masthead.newsroom.models import ArticlePage

REPORT_SIZE = 200


def _can_use_admin(user: Any) -> bool:
    return bool(user.is_active and user.has_perm("wagtailadmin.access_admin"))


def articles_without_audio() -> list[Any]:
    """Live articles whose live revision lacks ready audio: the full reading, or the teaser of a gated article."""
    narrations = narration_model().objects.exclude(audio="").filter(status=READY)
    ready = narrations.filter(page=OuterRef("pk"), revision_id=OuterRef("live_revision_id"))
    pages = (
        ArticlePage.objects.live()
        .annotate(has_full=Exists(ready.filter(variant=FULL)), has_teaser=Exists(ready.filter(variant=TEASER)))
        .filter(Q(has_full=False) | (Q(has_teaser=False) & ~Q(access=AccessLevel.PUBLIC)))
        .newest_first()[:REPORT_SIZE]
    )
    pages = list(pages)
    latest: dict[tuple[int, str], Any] = {}
    rows = (
        narration_model()
        .objects.filter(page_id__in=[p.pk for p in pages])
        # The report shows status and errors; the spoken text of every revision stays in the database.
        .defer("segments", "transcript")
        .order_by("-revision_id", "-updated")
    )
    for row in rows:
        latest.setdefault((row.page_id, row.variant), row)
    for page in pages:
        wanted = [FULL] if page.access == AccessLevel.PUBLIC else [FULL, TEASER]
        page.audio_rows = []
        for variant in wanted:
            row = latest.get((page.pk, variant))
            if row is not None and row.revision_id == page.live_revision_id:
                state = row.status
            elif row is not None and row.status == READY:
                state = "outdated"  # plays the previous revision's audio
            else:
                state = "missing"
            if not (state == READY and row is not None and row.revision_id == page.live_revision_id):
                page.audio_rows.append({"variant": variant, "state": state, "row": row})
    return pages


def requeue(*, pages: list[Any]) -> int:
    """Queue narration of each page's live revision (both variants where gated); safe to click twice."""
    from masthead.narration import services, tasks

    queued = 0
    for page in pages:
        rows = services.queue_article(page, revision_id=page.live_revision_id)
        for row in rows:
            if row.status == READY:
                continue
            transaction.on_commit(partial(tasks.narrate_article.enqueue, page.pk, row.revision_id, row.variant))
            queued += 1
    return queued


@require_http_methods(["GET", "POST"])
@user_passes_test(_can_use_admin, login_url="wagtailadmin_login")
def missing_audio_report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.has_perm("narration.change_narration") and not request.user.is_superuser:
            # Editors see the report; re-queuing spends the machine's CPU, so it needs the model permission.
            raise PermissionDenied
        ids = [int(pk) for pk in request.POST.getlist("page") if pk.isdigit()]
        pages = list(ArticlePage.objects.live().filter(pk__in=ids))
        if not pages:
            messages.error(request, "Choose at least one article to re-queue.")
        else:
            count = requeue(pages=pages)
            messages.success(request, f"Queued {count} narration job(s) for {len(pages)} article(s).")
        return redirect(reverse("narration_admin_missing_audio"))
    return TemplateResponse(
        request,
        "narration/admin/missing_audio.html",
        {
            "page_title": "Articles without audio",
            "header_icon": "media",
            "pages": articles_without_audio(),
            "may_requeue": request.user.is_superuser or request.user.has_perm("narration.change_narration"),
        },
    )


def account_panel(request: HttpRequest) -> str | None:
    """The private podcast feed on the reader's account page (subscribers only)."""
    user = request.user
    if not user.is_authenticated or not entitlements.is_subscriber(user):
        return None
    token = active_token(user=user)
    assert token is not None
    feed_url = settings.SITE_URL + reverse("podcast:private", args=[token.token])
    return render_to_string(
        "narration/account_panel.html",
        {"feed_url": feed_url, "token": token, "next_path": request.get_full_path()},
        request=request,
    )
