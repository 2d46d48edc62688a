"""The leak matrix: text after the preview cut reaches only readers entitled to it, through every surface.

Surfaces are looped inside each test (building the magazine is the slow
part); failures are collected so one run lists every persona and surface
that leaked. Every gated article in the `magazine` fixture carries SECRET_MARKER after its
preview marker. The meter is off (hard paywall) so "not entitled" is exact.
A failure names the persona, the surface and the URL that leaked.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from masthead.testing.fixtures import SECRET_MARKER

PERSONAS = ["anonymous", "member", "lapsed", "refunded", "subscriber", "editor", "staff"]
# Who may read each access level in full.
ENTITLED = {
    "subscribers": {"subscriber", "editor", "staff"},
    "members": {"member", "lapsed", "refunded", "subscriber", "editor", "staff"},
}


def _search_url(query: str, **filters: str) -> str:
    return f"{reverse('search:search')}?{urlencode({'q': query, **filters})}"


def _head(html: str) -> str:
    match = re.search(r"<head>(.*?)</head>", html, re.S)
    assert match, "page has no <head>"
    return match.group(1)


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def _check(persona: str, access: str, surface: str, url: str, text: str, *, public_surface: bool = False) -> str | None:
    """None when the gate held for this reader, else a line saying what went wrong."""
    leaked = SECRET_MARKER in text
    if persona in ENTITLED[access] and not public_surface:
        return None if leaked else f"{persona}: entitled to the {access} article but {surface} ({url}) withheld the full text"
    return f"LEAK {persona}: text after the cut of the {access} article via {surface} ({url})" if leaked else None


def _assert_no_failures(failures: list[str | None]) -> None:
    found = [f for f in failures if f]
    assert not found, "\n".join(found)


@pytest.fixture
def gated(magazine):
    return {"subscribers": magazine.subscriber_article, "members": magazine.members_article}


@pytest.fixture
def readers(client_for):
    # Personas are looped inside each test (one magazine per surface keeps the matrix fast);
    # failures are collected so one run shows every persona that leaked.
    return {persona: client_for(persona) for persona in PERSONAS}


def test_article_page_body_and_head(gated, readers):
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        url = gated[access].url
        html = _get(client, url)
        failures.append(_check(persona, access, "article HTML", url, html))
        # OpenGraph, Twitter card and JSON-LD are derived after the gate, never from the full body.
        failures.append(_check(persona, access, "page head (OpenGraph/JSON-LD)", url, _head(html), public_surface=True))
    _assert_no_failures(failures)


SURFACES = [("RSS", "/feeds/rss/"), ("Atom", "/feeds/atom/"), ("section RSS", "/feeds/finance/rss/"), ("sitemap", "/sitemap.xml")]


def test_feeds_and_sitemap_carry_teasers_only(gated, readers):
    failures = []
    for (persona, client), (surface, url) in itertools.product(readers.items(), SURFACES):
        text = _get(client, url)
        # The gated article is listed (so the check looks at its entry), only without the paid text.
        assert (gated["subscribers"].url if surface == "sitemap" else gated["subscribers"].title) in text
        failures += [_check(persona, access, surface, url, text, public_surface=True) for access in ENTITLED]
    _assert_no_failures(failures)


# (words, filters, lists the subscriber article): by title, by words after the cut, and through every
# filter — with and without words, so the teaser-only snippets are checked wherever the article is listed.
SEARCHES = [
    ("Investigation", {}, True),
    ("Briefing", {}, False),
    ("SECRET", {}, False),
    ("paragraph", {"sort": "newest"}, True),
    ("Investigation", {"section": "finance"}, True),
    ("paid paragraph", {"section": "finance"}, False),
    ("", {"author": "angeline-tan"}, True),
    ("preview", {"author": "angeline-tan", "year": "2024"}, True),
    ("", {"issue": "40-6"}, True),
    ("SECRET", {"issue": "40-6"}, False),
    ("", {"year": "2024", "sort": "newest"}, True),
]


def test_search_results_show_teasers_only(gated, readers):
    failures = []
    for (persona, client), (query, filters, listed) in itertools.product(readers.items(), SEARCHES):
        url = _search_url(query, **filters)
        text = _get(client, url)
        if listed:
            assert gated["subscribers"].title in text, f"search {url} did not list the article"
        failures += [_check(persona, access, "search results", url, text, public_surface=True) for access in ENTITLED]
    _assert_no_failures(failures)


def test_the_shared_page_cache_never_hands_one_readers_page_to_another(gated, readers):
    Client().get("/")  # the first request creates settings rows (which empties the cache); keep it out of the way
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        url = gated[access].url
        # Anonymous first, until the shared cache answers...
        anonymous = [Client().get(url) for _ in range(2)]
        assert anonymous[-1].get("X-Cache") == "HIT", "the teaser should come from the shared cache"
        assert SECRET_MARKER not in anonymous[-1].content.decode()
        # ...then the persona: a signed-in reader must get their own page, not the cached teaser...
        failures.append(_check(persona, access, "page after an anonymous cache HIT", url, _get(client, url)))
        # ...and what the persona got must not be served to the next anonymous reader.
        if SECRET_MARKER in Client().get(url).content.decode():
            failures.append(f"LEAK anonymous: got {persona}'s page from the shared cache ({url})")
    _assert_no_failures(failures)


def test_gated_pages_are_private_for_signed_in_readers(gated, readers):
    for persona, client in readers.items():
        response = client.get(gated["subscribers"].url)
        if persona != "anonymous":
            assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"], persona
            assert response.get("X-Cache") is None, persona


JSON_PATHS = ["/api/v2/pages/", "/api/pages/", "/api/articles/"]


def test_no_json_api_returns_the_full_body(gated, readers):
    # None is mounted today (each answers 404); one mounted later is checked the same way.
    for (persona, client), path in itertools.product(readers.items(), JSON_PATHS):
        for url in [path] + [f"{path}{article.pk}/" for article in gated.values()]:
            response = client.get(url)
            assert SECRET_MARKER not in response.content.decode(errors="replace"), f"LEAK {persona} via {url}"
        text = client.get(f"{gated['subscribers'].url}?format=json").content.decode()
        assert (SECRET_MARKER in text) == (persona in ENTITLED["subscribers"]), f"{persona}: ?format=json"


def _reader_urls(magazine, gated):
    """The web reader's front page and its page for each gated article (editions)."""
    from masthead.newsroom.models import IssueArticle

    front = reverse("editions:reader", args=[magazine.issue.slug])
    if not magazine.issue.issue_articles.filter(article=gated["members"]).exists():
        IssueArticle.objects.create(issue=magazine.issue, article=gated["members"], sort_order=99)
    pages = {access: reverse("editions:reader-article", args=[magazine.issue.slug, page.slug]) for access, page in gated.items()}
    return front, pages


def test_the_web_reader_goes_through_the_gate(magazine, gated, readers):
    front, pages = _reader_urls(magazine, gated)
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        html = _get(client, pages[access])
        assert gated[access].title in html
        failures.append(_check(persona, access, "web reader article", pages[access], html))
        failures.append(_check(persona, access, "web reader head", pages[access], _head(html), public_surface=True))
        # The cover and contents list every article but never its text.
        failures.append(_check(persona, access, "web reader contents", front, _get(client, front), public_surface=True))
    _assert_no_failures(failures)


def test_the_shared_page_cache_never_hands_one_readers_reader_page_to_another(magazine, gated, readers):
    _, pages = _reader_urls(magazine, gated)
    Client().get("/")
    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        url = pages[access]
        anonymous = [Client().get(url) for _ in range(2)]
        assert SECRET_MARKER not in anonymous[-1].content.decode()
        failures.append(_check(persona, access, "web reader after an anonymous visit", url, _get(client, url)))
        if SECRET_MARKER in Client().get(url).content.decode():
            failures.append(f"LEAK anonymous: got {persona}'s web reader page from the shared cache ({url})")
        if persona != "anonymous":
            control = client.get(url)["Cache-Control"]
            if "private" not in control:
                failures.append(f"{persona}: the web reader page {url} is not private ({control})")
    _assert_no_failures(failures)


# --- Files: /media/ maps every name in the public storage to a URL, so gated files must not be there.

# Models allowed to keep files in the public media storage, and why that is no leak.
PUBLIC_MEDIA_MODELS = {
    # Photos are shown with teasers, listings and social cards. A photo placed after the cut of a
    # gated article is reachable only by its name, which carries a random part (core.storage).
    "wagtailimages.image": "photos (originals)",
    "wagtailimages.rendition": "photos (resized copies)",
    # Served to readers by /documents/ (Wagtail's collection privacy); editors attach them deliberately.
    "wagtaildocs.document": "documents",
    # Staff avatars in the admin.
    "wagtailusers.userprofile": "staff avatars",
    # Wagtail's staging copy of a multi-upload (image or document) until the editor finishes it.
    "wagtailcore.uploadedfile": "uploads in progress",
}


def _file_fields():
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def _walk(storage, top=""):
    dirs, files = storage.listdir(top)
    found = [f"{top}/{name}".lstrip("/") for name in files]
    for sub in dirs:
        found += _walk(storage, f"{top}/{sub}".lstrip("/"))
    return found


@pytest.fixture
def narrated(gated, magazine):
    """Full and teaser audio of both gated articles, full audio of the public one (a real row and file each)."""
    from django.apps import apps
    from django.core.files.base import ContentFile

    narration_model = apps.get_model("narration", "Narration")
    made = {}
    for access, page in [*gated.items(), ("public", magazine.public_article)]:
        for variant in ("full", "teaser") if access != "public" else ("full",):
            blocks = page.full_blocks() if variant == "full" else page.preview_blocks()
            row = narration_model(
                page=page,
                revision_id=page.live_revision_id,
                variant=variant,
                voice="matrix",
                status="ready",
                size_bytes=4,
                duration_ms=1000,
                transcript=page.plain_text(blocks),
            )
            row.audio.save(f"{page.slug}-{variant}.mp3", ContentFile(b"\xff\xf3\x00\x00"), save=False)
            row.save()
            made[access, variant] = row
    return made


def _audio_urls(row):
    import posixpath

    return reverse("narration:file", args=[row.pk, posixpath.basename(row.audio.name)]), reverse(
        "narration:transcript", args=[row.pk, "txt"]
    )


def test_media_url_serves_no_narration_file_to_anyone_and_the_gate_serves_the_entitled(narrated, readers, settings):
    failures = []
    for persona, client in readers.items():
        for (access, variant), row in narrated.items():
            media_url = settings.MEDIA_URL + row.audio.name
            status = client.get(media_url).status_code
            if status != 404:
                failures.append(f"LEAK {persona}: the {variant} audio of the {access} article answers {status} at {media_url}")
            if variant != "full" or access == "public":
                continue
            audio, transcript = _audio_urls(row)
            allowed = persona in ENTITLED[access]
            got = client.get(audio).status_code
            if got != (200 if allowed else 403):
                failures.append(f"{persona}: the full audio of the {access} article ({audio}) answered {got}")
            failures.append(_check(persona, access, "audio transcript", transcript, client.get(transcript).content.decode()))
    _assert_no_failures(failures)


def test_no_file_under_media_url_belongs_to_a_gated_article(narrated, magazine, settings):
    from django.core.files.storage import storages

    from masthead.core.private_files import private_storage

    # Every file field of every model keeps its files private, or is a kind that is public by design.
    stored_publicly = []
    for model, field in _file_fields():
        if field.storage is private_storage:
            continue
        if model._meta.label_lower not in PUBLIC_MEDIA_MODELS:
            stored_publicly.append(f"{model._meta.label}.{field.name} keeps its files in public media")
    assert not stored_publicly, "\n".join(stored_publicly) + "\n(use storage=core.private_files.get_private_storage)"

    # Every file that is under MEDIA_ROOT belongs to a row of a public kind (nothing stray, nothing private).
    Client().get(magazine.public_article.url)  # renders the photo, so renditions exist too
    owners = {}
    for model, field in _file_fields():
        if model._meta.label_lower in PUBLIC_MEDIA_MODELS:
            names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
            owners.update(dict.fromkeys(names, model))
    on_disk = _walk(storages["default"])
    assert any(name.startswith("original_images/") for name in on_disk), "the magazine should have a photo in media"
    assert not [name for name in on_disk if name not in owners], f"files in media that no public row owns: {on_disk}"

    # And what the private rows name is not served from MEDIA_URL under that name.
    for model, field in _file_fields():
        if field.storage is private_storage:
            for name in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True):
                assert Client().get(settings.MEDIA_URL + name).status_code == 404, name


# --- Surfaces added by the review of the merged code (#8): the page shells, other methods, the newsletter's web copy,
# the transcript page and conditional requests.


def test_a_signed_in_reader_building_the_shell_first_leaves_nothing_for_the_next_anonymous_reader(gated, readers):
    from masthead.core import pagestore

    failures = []
    for (persona, client), access in itertools.product(readers.items(), ENTITLED):
        pagestore.clear()  # a cold cache: this persona's request renders the page (and its shell) first
        url = gated[access].url
        failures.append(_check(persona, access, "page on a cold cache", url, _get(client, url)))
        for n in range(2):  # the second answer comes from whatever the first one stored
            failures.append(
                _check("anonymous", access, f"page after {persona} filled the cache (request {n + 1})", url, _get(Client(), url))
            )
    _assert_no_failures(failures)


def test_no_http_method_reads_past_the_cut(gated, readers, set_meter, magazine):
    # With the meter on, a non-GET request once showed the full text without spending a read
    # (access/tests/test_meter_counts_every_method.py has the counting side).
    from masthead.testing import builders

    set_meter(1)
    second = builders.make_article(
        magazine.sections["Finance"],
        "A Second Investigation",
        authors=[magazine.author],
        paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
        access="subscribers",
        preview_after=1,
    )
    failures = []
    for persona, client in readers.items():
        if persona in ENTITLED["subscribers"]:
            continue
        client.get("/account/signin/")
        token = client.cookies["csrftoken"].value
        read_in_full = set()
        for method, page in itertools.product(("post", "put", "patch", "delete", "options"), [gated["subscribers"], second]):
            text = getattr(client, method)(page.url, HTTP_X_CSRFTOKEN=token).content.decode(errors="replace")
            if SECRET_MARKER in text:
                read_in_full.add(page.title)
        if len(read_in_full) > 1:
            failures.append(f"LEAK {persona}: other methods read {sorted(read_in_full)} in full on an allowance of one")
    _assert_no_failures(failures)


def test_conditional_requests_never_answer_with_another_readers_page(gated, readers):
    failures = []
    for access in ENTITLED:
        url = gated[access].url
        teaser = Client().get(url)
        for persona, client in readers.items():
            for wanted in ("*", teaser.get("ETag", '"none"')):
                response = client.get(url, HTTP_IF_NONE_MATCH=wanted)
                if response.status_code == 304 and persona in ENTITLED[access]:
                    failures.append(f"{persona}: a 304 for If-None-Match {wanted} would keep the anonymous teaser ({url})")
                failures.append(_check(persona, access, f"If-None-Match {wanted}", url, response.content.decode()))
    _assert_no_failures(failures)


def test_the_newsletters_web_copy_follows_the_gate(gated, readers, magazine):
    from django.utils import timezone

    from masthead.newsletters.models import Audience, Newsletter, Send, SendKind, SendStatus

    newsletter = Newsletter.objects.create(
        name="The Issue", slug="the-issue", sender_name="M", sender_email="n@mag.example.com", audience=Audience.EVERYONE
    )
    now = timezone.now()
    sends = [
        Send.objects.create(
            newsletter=newsletter,
            subject=f"On {access}",
            kind=SendKind.ARTICLE,
            article=page,
            status=SendStatus.SENT,
            finished_at=now,
        )
        for access, page in gated.items()
    ]
    failures = []
    for (persona, client), send in itertools.product(readers.items(), sends):
        url = reverse("newsletters:archive-send", args=[send.pk])
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        failures.append(_check(persona, send.article.access, "newsletter web copy", url, response.content.decode()))
    _assert_no_failures(failures)


def test_the_transcript_page_follows_the_gate(narrated, readers):
    failures = []
    for (persona, client), ((access, variant), row) in itertools.product(readers.items(), narrated.items()):
        if access == "public":
            continue
        url = reverse("narration:transcript-page", args=[row.pk])
        response = client.get(url)
        if variant == "full":
            allowed = persona in ENTITLED[access]
            if response.status_code != (200 if allowed else 403):
                failures.append(f"{persona}: the transcript page of the full {access} narration answered {response.status_code}")
            if not allowed:  # (the fixture's rows carry no timed segments, so an entitled page lists none)
                failures.append(_check(persona, access, "transcript page", url, response.content.decode()))
        else:
            failures.append(
                _check(persona, access, "teaser transcript page", url, response.content.decode(), public_surface=True)
            )
    _assert_no_failures(failures)
