"""Staff see which articles lack audio and re-queue them; subscribers find their private feed on the account page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from wagtail import hooks

from masthead.narration.models import PodcastToken
from masthead.narration.tests.listening_helpers import make_narration

REPORT = "/admin/reports/articles-without-audio/"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("chief", "chief@example.com", "a-long-password-1")


def test_report_lists_articles_missing_or_failing_audio_and_not_those_that_have_it(client, magazine, admin_user):
    make_narration(magazine.public_article)
    make_narration(magazine.members_article)  # full only: its teaser is missing
    failed = make_narration(magazine.subscriber_article, status="failed", error="permanent: voice file missing")
    failed.audio = ""
    failed.save()
    client.force_login(admin_user)
    response = client.get(REPORT)
    assert response.status_code == 200
    listed = {page.title: page.audio_rows for page in response.context["pages"]}
    assert "A Public Report" not in listed
    assert [(r["variant"], r["state"]) for r in listed["A Members Briefing"]] == [("teaser", "missing")]
    assert ("full", "failed") in [(r["variant"], r["state"]) for r in listed["A Subscriber Investigation"]]
    assert "voice file missing" in response.content.decode()


def test_audio_of_an_older_revision_counts_as_outdated(client, magazine, admin_user):
    make_narration(magazine.public_article)
    revision = magazine.public_article.save_revision()
    revision.publish()
    client.force_login(admin_user)
    listed = {page.title: page.audio_rows for page in client.get(REPORT).context["pages"]}
    assert [(r["variant"], r["state"]) for r in listed["A Public Report"]] == [("full", "outdated")]


def test_report_is_for_admin_users_only(client, magazine, member):
    client.force_login(member)
    assert client.get(REPORT).status_code == 302


def test_report_is_in_the_reports_menu(client, magazine, admin_user):
    client.force_login(admin_user)
    assert REPORT in client.get("/admin/").content.decode()


def test_requeue_narrates_the_live_revision(client, magazine, admin_user, django_capture_on_commit_callbacks):
    # Tests run tasks immediately with the espeak engine: the re-queued job really runs.
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORT, {"page": [magazine.public_article.pk]})
    assert response.status_code == 302
    narration = magazine.public_article.narrations.get(revision_id=magazine.public_article.live_revision_id, variant="full")
    assert narration.status == "ready" and narration.size_bytes > 0
    titles = [page.title for page in client.get(REPORT).context["pages"]]
    assert "A Public Report" not in titles


def test_panel_shows_a_subscriber_their_feed_and_nothing_to_others(magazine, member, subscriber):
    panels = hooks.get_hooks("masthead_account_panels")

    def render(user):
        request = RequestFactory().get("/account/")
        request.user = user
        return [html for fn in panels if (html := fn(request)) and "podcast-panel-title" in html]

    assert render(member) == []
    (html,) = render(subscriber)
    token = PodcastToken.objects.active().get(user=subscriber).token
    assert f"/feeds/private/{token}/podcast.xml" in html
    assert 'action="/audio/feed/rotate/"' in html
    # Rendering the panel again shows the same address, not a new one each visit.
    assert f"/feeds/private/{token}/podcast.xml" in render(subscriber)[0]
    assert PodcastToken.objects.filter(user=subscriber).count() == 1
