"""An issue's files are built when it is published and rebuilt only when what they are made of changes.

The builders here are fast fakes behind the same interface (the real ones are
exercised in test_edition_files_are_valid.py); the pipeline, signals, tasks
and downloads are the real ones.
"""

from __future__ import annotations

import pytest

from masthead.editions import services, tasks
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import BUILDS, edit_article, second_issue, use_fake_builders

TEXT_KINDS = {"epub", "pdf", "print"}


@pytest.fixture
def on_publish(settings, monkeypatch):
    settings.EDITIONS_ON_PUBLISH = True
    use_fake_builders(monkeypatch)


def built(issue) -> dict[str, int]:
    return {kind: n for (pk, kind), n in BUILDS.items() if pk == issue.pk}


def build_everything(issue, capture):
    with capture(execute=True):
        tasks.queue_issue_builds(issue_id=issue.pk)


def test_publishing_an_issue_builds_each_file_once(magazine, on_publish, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        magazine.issue.save_revision().publish()

    assert built(magazine.issue) == {"epub": 1, "pdf": 1, "print": 1, "print_cover": 1}
    current = services.current_files(magazine.issue)
    assert set(current) == {"epub", "pdf", "print", "print_cover"}
    assert all(row.version == 1 and row.is_ready for row in current.values())


def test_editing_one_article_rebuilds_its_issue_once_and_no_other(magazine, on_publish, django_capture_on_commit_callbacks):
    other = second_issue(magazine)
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    build_everything(other, django_capture_on_commit_callbacks)
    BUILDS.clear()

    with django_capture_on_commit_callbacks(execute=True):
        edit_article(magazine.public_article, text="A corrected first paragraph.")

    # The cover carries headlines, not body text: it is not rebuilt for a body edit.
    assert built(magazine.issue) == {"epub": 1, "pdf": 1, "print": 1}
    assert built(other) == {}
    versions = {kind: row.version for kind, row in services.current_files(magazine.issue).items()}
    assert versions == {"epub": 2, "pdf": 2, "print": 2, "print_cover": 1}


def test_a_new_headline_rebuilds_the_cover_too(magazine, on_publish, django_capture_on_commit_callbacks):
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    BUILDS.clear()
    article = magazine.public_article.specific_class.objects.get(pk=magazine.public_article.pk)
    article.title = "A Public Report, Revised"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert built(magazine.issue) == {"epub": 1, "pdf": 1, "print": 1, "print_cover": 1}


def test_publishing_again_without_changes_rebuilds_nothing(magazine, on_publish, django_capture_on_commit_callbacks):
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    BUILDS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        magazine.public_article.save_revision().publish()
        magazine.issue.save_revision().publish()
    assert built(magazine.issue) == {}
    assert EditionFile.objects.filter(issue=magazine.issue).count() == 4


def test_a_second_edit_joins_the_build_that_is_still_waiting(magazine, on_publish, django_capture_on_commit_callbacks):
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    # No worker runs between the two edits: the rows wait in the queue.
    edit_article(magazine.public_article, text="First correction.")
    services.queue_issue(issue_id=magazine.issue.pk)
    edit_article(magazine.public_article, text="Second correction.")
    services.queue_issue(issue_id=magazine.issue.pk)

    queued = EditionFile.objects.filter(issue=magazine.issue, status=EditionFile.Status.QUEUED)
    assert sorted(queued.values_list("kind", flat=True)) == ["epub", "pdf", "print"]
    BUILDS.clear()
    for row in queued:
        services.build(edition_id=row.pk)
    assert built(magazine.issue) == {"epub": 1, "pdf": 1, "print": 1}


def test_the_old_file_is_served_until_the_new_one_is_ready(
    magazine, on_publish, staff, client, django_capture_on_commit_callbacks
):
    build_everything(magazine.issue, django_capture_on_commit_callbacks)
    client.force_login(staff)
    url = f"/issues/{magazine.issue.slug}/print/"
    assert b"A Public Report" in b"".join(client.get(url).streaming_content)

    article = magazine.public_article.specific_class.objects.get(pk=magazine.public_article.pk)
    article.title = "A Retitled Report"
    article.save_revision().publish()  # outside a captured commit: the build waits in the queue
    (waiting,) = services.queue_issue(issue_id=magazine.issue.pk, kinds=["print"])
    assert waiting.status == EditionFile.Status.QUEUED

    old = b"".join(client.get(url).streaming_content)
    assert b"A Public Report" in old and b"Retitled" not in old

    services.build(edition_id=waiting.pk)
    new = b"".join(client.get(url).streaming_content)
    assert b"A Retitled Report" in new


def test_unpublished_issues_get_no_files(magazine, on_publish):
    magazine.issue.unpublish()
    with pytest.raises(services.EditionError, match="not published"):
        services.queue_issue(issue_id=magazine.issue.pk)


def test_only_the_two_newest_versions_keep_their_files(magazine, on_publish, django_capture_on_commit_callbacks):
    for text in ("one", "two", "three"):
        with django_capture_on_commit_callbacks(execute=True):
            edit_article(magazine.public_article, text=f"Version {text}.")
            tasks.queue_issue_builds(issue_id=magazine.issue.pk, kinds=["pdf"])
    rows = list(EditionFile.objects.filter(issue=magazine.issue, kind="pdf").order_by("version"))
    assert [r.version for r in rows] == [1, 2, 3]
    assert [r.status for r in rows] == ["superseded", "ready", "ready"]
    assert rows[0].file.name == ""
