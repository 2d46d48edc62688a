"""The player's "Transcript" link opens a page a person reads, through the same gate as the audio."""

from __future__ import annotations

import pytest
from django.urls import reverse

from masthead.core import cachetags
from masthead.narration import services
from masthead.narration.models import Narration
from masthead.narration.tests.listening_helpers import make_narration
from masthead.narration.tests.support import CountingEngine
from masthead.narration.transcripts import transcript_page_path
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER

pytestmark = pytest.mark.django_db


def test_the_transcript_is_the_articles_words_without_timecodes_or_spelled_letters(client, magazine):
    page = builders.make_article(
        magazine.sections["Politics"],
        "Kremlin Unveils Conditions for Talks With U.S.",
        authors=[magazine.author],
        paragraphs=["Russia remains open to talks with the U.S., Dmitry Peskov said on March 26.", "RIA Novosti reported it."],
    )
    narration = services.narrate(page_id=page.pk, engine=CountingEngine())
    response = client.get(transcript_page_path(narration))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Russia remains open to talks with the U.S., Dmitry Peskov said on March 26." in html
    assert "RIA Novosti reported it." in html
    assert "U S" not in html and "-->" not in html and "WEBVTT" not in html and "[[" not in html
    assert '<meta name="robots" content="noindex">' in html and response["X-Robots-Tag"] == "noindex"


def test_the_player_links_to_the_readable_transcript(client, magazine):
    narration = make_narration(magazine.public_article)
    html = client.get(magazine.public_article.url).content.decode()
    assert f'href="{transcript_page_path(narration)}"' in html


def test_a_gated_transcript_is_refused_to_readers_who_may_not_hear_it(client, magazine, staff):
    full = make_narration(magazine.subscriber_article, variant="full")
    refused = client.get(transcript_page_path(full))
    assert refused.status_code == 403 and SECRET_MARKER not in refused.content.decode()
    client.force_login(staff)
    allowed = client.get(transcript_page_path(full))
    assert allowed.status_code == 200 and SECRET_MARKER in allowed.content.decode()
    # Nothing keeps gated text, not even the reader's browser: a refund takes effect at the next request.
    assert allowed["Cache-Control"] == "private, no-store"


def test_only_the_anonymous_page_of_a_public_transcript_may_sit_in_a_shared_cache(client, magazine, member):
    narration = make_narration(magazine.public_article)
    assert client.get(transcript_page_path(narration))["Cache-Control"] == "public, max-age=3600"
    client.force_login(member)  # the page now carries this reader's header
    assert client.get(transcript_page_path(narration))["Cache-Control"] == "private, no-store"


def test_an_unknown_or_unready_narration_is_404(client, magazine):
    queued = make_narration(magazine.public_article, status="queued", voice="other")
    assert client.get(transcript_page_path(queued)).status_code == 404
    assert client.get(reverse("narration:transcript-page", args=[999999])).status_code == 404


def test_staff_and_entitled_readers_are_told_audio_is_coming(client, magazine, staff):
    page = magazine.public_article
    Narration.objects.create(page=page, revision_id=page.live_revision_id, variant="full", voice="v", status="queued")
    assert "being prepared" not in client.get(page.url).content.decode()  # anonymous: no promise
    client.force_login(staff)
    assert "Audio of this article is being prepared" in client.get(page.url).content.decode()
    Narration.objects.filter(page=page).update(status="failed")
    finish_job(page)
    assert "could not be made" in client.get(page.url).content.decode()


def test_the_note_in_a_signed_in_shell_follows_each_readers_access(client, magazine, subscriber, member):
    page = magazine.subscriber_article
    Narration.objects.create(page=page, revision_id=page.live_revision_id, variant="full", voice="v", status="queued")
    client.force_login(subscriber)
    # The first request renders the shell, the second fills the stored shell's hole.
    for _ in range(2):
        assert "Audio of this article is being prepared" in client.get(page.url).content.decode()
    client.force_login(member)
    for _ in range(2):
        assert "being prepared" not in client.get(page.url).content.decode()
    Narration.objects.filter(page=page).update(status="ready")
    finish_job(page)
    client.force_login(subscriber)
    assert "being prepared" not in client.get(page.url).content.decode()


def finish_job(page):
    # The pipeline writes its outcome with update(); the finished job purges the page
    # (narration.models.feeds._refresh_after_narration_job), shells included.
    cachetags.purge([cachetags.page_tag(page.pk), cachetags.LIST_ALL])
