"""The leak matrix for edition files: every edition surface × every persona.

Downloads (EPUB, PDF, audio) go only to readers entitled to the digital edition
(subscribers, staff); the printer's files only to staff. Everyone else is sent
to the issue page's subscribe box and gets not one byte of the file. The built
files carry every article in full (SECRET_MARKER sits after the cut of the
subscriber article), so a file reaching the wrong reader is a leak.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest
from django.contrib.auth import get_user_model

from masthead.access.gate import reading_for_user
from masthead.editions import access, services
from masthead.editions.models import EditionFile
from masthead.editions.tests.support import FakeBuilder, epub_entries, narrate, use_fake_builders
from masthead.testing.fixtures import SECRET_MARKER

PERSONAS = ["anonymous", "member", "lapsed", "refunded", "subscriber", "editor", "staff"]
READER_SURFACES = ["epub", "pdf", "audio"]
STAFF_SURFACES = ["print", "print-cover"]
ENTITLED = {
    "epub": {"subscriber", "editor", "staff"},
    "pdf": {"subscriber", "editor", "staff"},
    "audio": {"subscriber", "editor", "staff"},
}
ENTITLED.update({"print": {"editor", "staff"}, "print-cover": {"editor", "staff"}})


@pytest.fixture
def editions(magazine, monkeypatch):
    """Real EPUB, PDF and audio; the printer's files from the fake builder (their layout is tested elsewhere)."""
    real = services.builder_for
    monkeypatch.setattr(services, "builder_for", lambda kind: FakeBuilder(kind) if kind.startswith("print") else real(kind))
    narrate(magazine.public_article)
    narrate(magazine.subscriber_article)
    for row in services.queue_issue(issue_id=magazine.issue.pk):
        assert services.build(edition_id=row.pk).status == EditionFile.Status.READY
    return magazine.issue


@pytest.fixture
def fake_editions(magazine, monkeypatch):
    use_fake_builders(monkeypatch)
    narrate(magazine.public_article)
    for row in services.queue_issue(issue_id=magazine.issue.pk):
        services.build(edition_id=row.pk)
    return magazine.issue


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def full_text_of(surface: str, data: bytes) -> str:
    if surface == "epub":
        return "".join(v.decode("utf-8", "replace") for k, v in epub_entries(data).items() if k.endswith(".xhtml"))
    if surface == "pdf":
        return pdf_text(data)
    return data.decode("latin-1")


def test_every_edition_surface_answers_every_persona_through_the_gate(editions, client_for):
    issue = editions
    failures = []
    for persona, surface in itertools.product(PERSONAS, READER_SURFACES + STAFF_SURFACES):
        client = client_for(persona)
        url = f"/issues/{issue.slug}/{surface}/"
        for method in ("get", "head"):
            response = getattr(client, method)(url)
            data = body(response)
            if persona in ENTITLED[surface]:
                if response.status_code != 200 or (method == "get" and not data):
                    failures.append(
                        f"{persona}: entitled to {surface} but {method.upper()} {url} answered {response.status_code}"
                    )
                elif method == "get" and surface in ("epub", "pdf"):
                    text = full_text_of(surface, data)
                    if SECRET_MARKER not in text:
                        failures.append(f"{persona}: entitled, but the {surface} lacks the text after the cut")
                    if f"{persona}@example.com" not in text:
                        failures.append(f"{persona}: the {surface} does not carry the reader's own address")
                    if not response["Content-Disposition"].startswith("attachment"):
                        failures.append(f"{persona}: the {surface} is not sent as a download")
                continue
            if response.status_code != 302 or not response["Location"].endswith(f"{issue.url}#digital-edition"):
                failures.append(f"LEAK? {persona}: {method.upper()} {url} answered {response.status_code}, not the subscribe box")
            if len(data) > 0 or SECRET_MARKER.encode() in data:
                failures.append(f"LEAK {persona}: {method.upper()} {url} sent {len(data)} bytes")
            if "no-store" not in response.get("Cache-Control", ""):
                failures.append(f"{persona}: {url} may be kept by a shared cache")
    assert not failures, "\n".join(failures)


def test_the_audio_edition_answers_byte_ranges_for_players_that_seek(fake_editions, client_for):
    audio = client_for("subscriber").get(f"/issues/{fake_editions.slug}/audio/", HTTP_RANGE="bytes=0-9")
    assert audio.status_code == 206 and len(body(audio)) == 10
    assert audio["Cache-Control"].startswith("private")


def test_the_issue_page_offers_files_only_to_those_who_may_have_them(fake_editions, client_for):
    failures = []
    for persona in PERSONAS:
        html = client_for(persona).get(fake_editions.url).content.decode()
        links = {surface: f"/issues/{fake_editions.slug}/{surface}/" in html for surface in READER_SURFACES + STAFF_SURFACES}
        for surface, shown in links.items():
            if shown != (persona in ENTITLED[surface]):
                failures.append(f"{persona}: the issue page {'shows' if shown else 'hides'} the {surface} link")
        if persona not in ENTITLED["epub"] and "Subscribers download every issue" not in html:
            failures.append(f"{persona}: no word on what a subscription brings")
        if SECRET_MARKER in html:
            failures.append(f"LEAK {persona}: article text on the issue page")
    assert not failures, "\n".join(failures)


def test_a_reader_who_may_download_may_read_every_article_in_full(magazine, client_for, request):
    # The files carry full_blocks of every article: that is safe only while this implication holds.
    for persona in PERSONAS[1:]:
        user = request.getfixturevalue(persona)
        if not access.has_digital_edition(user):
            continue
        for article in (magazine.public_article, magazine.members_article, magazine.subscriber_article):
            assert reading_for_user(user, article).full, f"{persona} may download but not read {article.title}"


def test_an_account_that_is_switched_off_downloads_nothing(fake_editions, client):
    user = get_user_model().objects.create_user("gone", "gone@example.com", "a-long-password-1", is_staff=True)
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get(f"/issues/{fake_editions.slug}/pdf/")
    assert response.status_code == 302 and body(response) == b""


def test_unknown_issues_methods_and_files_not_built_yet_get_clear_answers(fake_editions, client_for):
    client = client_for("subscriber")
    assert client.get("/issues/no-such-issue/pdf/").status_code == 404
    assert client.post(f"/issues/{fake_editions.slug}/pdf/").status_code == 405
    EditionFile.objects.filter(kind="epub").delete()
    waiting = client.get(f"/issues/{fake_editions.slug}/epub/")
    assert waiting.status_code == 404 and b"being prepared" in waiting.content
