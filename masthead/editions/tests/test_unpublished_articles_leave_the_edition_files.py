"""An article taken down (unpublished) stops being handed out in the issue's files, even when nothing is left
to build the files from: when the issue's last article goes, its EPUB, PDFs and audio edition go with it
(rather than the last build, with the withdrawn text in it, being served on), and when its last narrated
article goes, the audio edition goes.

Fast fake builders behind the real pipeline, signals, tasks and downloads, as in
test_editions_rebuild_only_what_changed.py.
"""

from __future__ import annotations

import pytest

from masthead.editions import services, tasks
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import narrate, use_fake_builders


@pytest.fixture
def on_publish(settings, monkeypatch):
    settings.EDITIONS_ON_PUBLISH = True
    use_fake_builders(monkeypatch)


def build_everything(issue, capture):
    with capture(execute=True):
        tasks.queue_issue_builds(issue_id=issue.pk)
    assert services.current_files(issue), "nothing was built"


def download(client, issue, kind: str) -> tuple[int, bytes]:
    response = client.get(f"/issues/{issue.slug}/{kind.replace('_', '-')}/")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_when_the_last_article_is_unpublished_no_file_is_served(
    magazine, on_publish, staff, client, django_capture_on_commit_callbacks
):
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    client.force_login(staff)
    assert b"A Subscriber Investigation" in download(client, magazine.issue, "print")[1]

    with django_capture_on_commit_callbacks(execute=True):
        for article in (magazine.public_article, magazine.subscriber_article):
            article.specific.unpublish()

    assert services.current_files(magazine.issue) == {}
    for kind in ("epub", "pdf", "print", "print_cover"):
        status, body = download(client, magazine.issue, kind)
        assert status == 404, f"{kind}: {status}"
        assert b"A Subscriber Investigation" not in body and b"A Public Report" not in body
    left = EditionFile.objects.filter(issue=magazine.issue).exclude(file="").values_list("kind", "status")
    assert list(left) == [], f"files of the withdrawn text are still stored: {list(left)}"


def test_when_the_last_narrated_article_is_unpublished_the_audio_edition_goes(
    magazine, on_publish, staff, client, django_capture_on_commit_callbacks
):
    narrate(magazine.public_article)
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    assert "audio" in services.current_files(magazine.issue)

    with django_capture_on_commit_callbacks(execute=True):
        magazine.public_article.specific.unpublish()

    current = services.current_files(magazine.issue)
    assert "audio" not in current, "the audio edition of the withdrawn article is still served"
    # The rest is rebuilt from what is still published, as for any change.
    assert current["pdf"].version == 2
    client.force_login(staff)
    assert download(client, magazine.issue, "audio")[0] == 404
