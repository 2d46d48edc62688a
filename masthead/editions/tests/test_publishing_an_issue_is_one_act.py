"""Publishing an issue takes its ready articles live with it — by the Publish button, by Wagtail's scheduled
publishing, or not at all if anything fails — and the admin names every article that is not ready."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import GroupApprovalTask, Revision, Workflow, WorkflowTask

from masthead.newsroom.models import ArticleAuthor, ArticlePage, IssuePage
from masthead.testing import builders


def draft_article(section: Any, title: str, *, author: Any, saved: bool = True) -> ArticlePage:
    article = ArticlePage(title=title, dek="", body=builders.body_json([f"{title} text."]), live=False)
    article.article_authors.add(ArticleAuthor(author=author))
    section.add_child(instance=article)
    if saved:
        article.save_revision()
    return ArticlePage.objects.get(pk=article.pk)


def draft_issue(magazine: Any, articles: list[ArticlePage], **fields: Any) -> IssuePage:
    from masthead.newsroom.models import IssueArticle

    issue = IssuePage(
        title="December 15, 2026", slug="42-24", volume=42, number=24, cover_date=date(2026, 12, 15), live=False, **fields
    )
    for n, article in enumerate(articles):
        issue.issue_articles.add(IssueArticle(article=article, sort_order=n))
    builders.ensure_issue_index(magazine.home).add_child(instance=issue)
    issue.save_revision()
    return IssuePage.objects.get(pk=issue.pk)


@pytest.fixture
def contents(magazine: Any, editor: Any) -> dict[str, ArticlePage]:
    politics, finance = magazine.sections["Politics"], magazine.sections["Finance"]
    ready = draft_article(politics, "Ready To Go", author=magazine.author)
    waiting = draft_article(finance, "Waiting For The Lawyer", author=magazine.author)
    workflow = Workflow.objects.create(name="Legal review")
    task = GroupApprovalTask.objects.create(name="Lawyer")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    workflow.start(waiting, editor)
    never = draft_article(politics, "Never Saved", author=magazine.author, saved=False)
    return {"ready": ready, "waiting": waiting, "never": never, "live": magazine.public_article}


def _live(article: ArticlePage) -> bool:
    return ArticlePage.objects.get(pk=article.pk).live


def test_publishing_the_issue_publishes_its_ready_articles_and_only_those(magazine: Any, contents: dict[str, Any]) -> None:
    issue = draft_issue(magazine, list(contents.values()))
    issue.latest_revision.publish()
    assert IssuePage.objects.get(pk=issue.pk).live
    assert _live(contents["ready"]) and _live(contents["live"])
    assert not _live(contents["waiting"]) and not _live(contents["never"])
    # The issue page lists what went live, in order; nothing unpublished leaks into it.
    html = builders_client_get(IssuePage.objects.get(pk=issue.pk).url)
    assert "Ready To Go" in html and "A Public Report" in html
    assert "Waiting For The Lawyer" not in html and "Never Saved" not in html


def builders_client_get(url: str) -> str:
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_failure_half_way_leaves_the_issue_and_every_article_unpublished(
    magazine: Any, contents: dict[str, Any], monkeypatch: Any
) -> None:
    second = draft_article(magazine.sections["Finance"], "Breaks On Publish", author=magazine.author)
    issue = draft_issue(magazine, [contents["ready"], second])
    real_publish = Revision.publish

    def publish(self: Revision, *args: Any, **kwargs: Any) -> Any:
        if int(self.object_id) == second.pk:
            raise RuntimeError("storage went away")
        return real_publish(self, *args, **kwargs)

    monkeypatch.setattr(Revision, "publish", publish)
    # The admin's Publish runs in a transaction: the issue and its articles land together or not at all.
    with pytest.raises(RuntimeError), transaction.atomic():
        real_publish(issue.latest_revision)
    assert not IssuePage.objects.get(pk=issue.pk).live
    assert not _live(contents["ready"]) and not _live(second)


def test_scheduled_publishing_takes_the_issue_and_its_articles_live_together(magazine: Any, contents: dict[str, Any]) -> None:
    issue = draft_issue(magazine, [contents["ready"], contents["waiting"]])
    issue.go_live_at = timezone.now() + timedelta(hours=6)
    revision = issue.save_revision()
    revision.publish()
    assert not IssuePage.objects.get(pk=issue.pk).live and not _live(contents["ready"])
    call_command("publish_scheduled")  # before the time: nothing happens
    assert not _live(contents["ready"])
    # The go-live time passes; Wagtail's scheduler (cron: publish_scheduled) publishes the issue...
    with freeze_time(timezone.now() + timedelta(hours=7)):
        call_command("publish_scheduled")
    # ...and its ready articles go with it; the one waiting for approval does not.
    assert IssuePage.objects.get(pk=issue.pk).live
    assert _live(contents["ready"]) and not _live(contents["waiting"])


def test_the_issue_editor_says_what_goes_live_and_names_what_is_not_ready(
    magazine: Any, contents: dict[str, Any], client: Any, admin_user: Any
) -> None:
    issue = draft_issue(magazine, list(contents.values()))
    client.force_login(admin_user)
    html = client.get(f"/admin/pages/{issue.pk}/edit/").content.decode()
    panel = html[html.index("issue-publishing") :]
    assert "Publishing this issue also publishes" in panel
    assert "Ready To Go" in panel[: panel.index("Not ready")]
    not_ready = panel[panel.index("Not ready") :]
    assert "Waiting For The Lawyer</a>: waiting for approval in “Legal review” (Lawyer)" in not_ready
    assert "Never Saved</a>: never saved as a draft" in not_ready
    assert "A Public Report" in panel and "already published" in panel


def test_the_panel_says_when_a_scheduled_issue_goes_live(
    magazine: Any, contents: dict[str, Any], client: Any, admin_user: Any
) -> None:
    issue = draft_issue(magazine, [contents["ready"]])
    issue.go_live_at = timezone.make_aware(timezone.datetime(2030, 12, 15, 6, 0))
    issue.save_revision().publish()
    client.force_login(admin_user)
    html = client.get(f"/admin/pages/{issue.pk}/edit/").content.decode()
    assert "Scheduled for December 15, 2030, 06:00" in html
    assert "Ready To Go" in html[html.index("Scheduled for") :]
