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

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from masthead.testing.fixtures import SECRET_MARKER

PERSONAS = ["anonymous", "member", "lapsed", "refunded", "subscriber", "editor", "staff"]
# Who may read each access level in full.
ENTITLED = {
    "subscribers": {"subscriber", "editor", "staff"},
    "members": {"member", "lapsed", "refunded", "subscriber", "editor", "staff"},
}


def _search_url(query: str) -> str | None:
    try:
        return f"{reverse('search:search')}?q={query}"
    except NoReverseMatch:
        return None


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


def test_search_results_show_teasers_only(gated, readers):
    if _search_url("x") is None:
        pytest.skip("the search app has no search:search URL yet")
    failures = []
    # By title (the article is surely a result, so its snippet is checked) and by words after the cut.
    for (persona, client), query in itertools.product(readers.items(), ["Investigation", "Briefing", "SECRET"]):
        url = _search_url(query) or ""
        text = _get(client, url)
        if query == "Investigation":
            assert gated["subscribers"].title in text, f"search for {query!r} did not list the article"
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
    client = readers["anonymous"]
    served = 0
    for path in JSON_PATHS:
        response = client.get(path)
        if response.status_code == 404:
            continue
        served += 1
        for article in gated.values():
            detail = client.get(f"{path}{article.pk}/")
            assert SECRET_MARKER not in response.content.decode() + detail.content.decode(), f"LEAK via {path}"
    if not served:
        pytest.skip("no JSON API is mounted")


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
