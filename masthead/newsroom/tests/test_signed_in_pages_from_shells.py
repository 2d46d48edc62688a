"""Signed-in readers are served from page shells: the page rendered once for nobody, finished per reader.

The gate decides first on every request; a reader only ever gets the shell of
the variant the gate allowed them, with their own account link, ads and meter
notice filled in. Nothing personal is stored in a shell.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from masthead.access.models import MeterRead
from masthead.core import pagestore, shells
from masthead.core.compression import Deflated
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response, html = _get(client, url)
    return len(queries), response, html


def _stored_text():
    """Everything the memory tier holds, as text (shells, routes, anonymous pages)."""
    parts = []
    for key, entry in pagestore.tier().entries():
        payload = entry.payload
        if isinstance(payload, tuple) and payload and isinstance(payload[0], bytes):  # a whole anonymous page
            parts.append(payload[0].decode())
        elif isinstance(payload, tuple):  # a shell
            parts.extend(part.data.decode() if isinstance(part, Deflated) else repr(part) for part in payload)
        else:
            parts.append(repr(payload))
        parts.append(key)
    return "\n".join(parts)


def test_a_subscriber_gets_the_full_text_and_their_own_links_from_the_shell(client_for, magazine):
    reader = client_for("subscriber")
    url = magazine.subscriber_article.url
    first_count, first, _ = _queries(reader, url)
    count, response, html = _queries(reader, url)
    assert SECRET_MARKER in html and "Account</a>" in html and "Sign in" not in html
    assert "private" in response["Cache-Control"] and "X-Cache" not in response
    # The second visit renders nothing: session, user, the reader's grant, and
    # (since the storefront and narration merges) the per-reader holes' own reads;
    # the same ceiling as test_queries_per_page pins.
    assert count < first_count
    assert count <= 7


@pytest.mark.parametrize("persona", ["anonymous", "member", "lapsed", "refunded"])
def test_a_stored_full_shell_never_reaches_a_reader_the_gate_refuses(client_for, magazine, persona):
    url = magazine.subscriber_article.url
    _get(client_for("subscriber"), url)
    _get(client_for("staff"), url)
    response, html = _get(client_for(persona), url)
    assert SECRET_MARKER not in html
    assert "Subscribe to keep reading" in html
    assert "Preview paragraph anyone may read." in html


def test_staff_read_in_full_with_the_admin_link(client_for, magazine):
    url = magazine.subscriber_article.url
    _get(client_for("subscriber"), url)
    _, html = _get(client_for("staff"), url)
    assert SECRET_MARKER in html and ">Admin</a>" in html


def test_no_reader_is_stored_in_a_shell(client_for, magazine, subscriber, staff):
    # Names that appear nowhere else on the site.
    subscriber.username, subscriber.email = "zq-reader-91", "zq91@example.com"
    subscriber.save()
    staff.email = "zq-staff-17@example.com"
    staff.save()
    for persona in (subscriber, staff, "member"):
        reader = client_for(persona)
        for url in (magazine.subscriber_article.url, magazine.public_article.url, magazine.home.url):
            _get(reader, url)
    stored = _stored_text()
    assert "pagecache:shell:deflated:" in stored
    for personal in (subscriber.username, subscriber.email, staff.email, ">Admin</a>", ">Account</a>", "csrfmiddlewaretoken"):
        assert personal not in stored, personal


def test_metered_reads_still_count_when_the_shell_is_cached(set_meter, magazine):
    set_meter(1)
    first_article = magazine.subscriber_article
    second_article = builders.make_article(
        magazine.sections["Finance"],
        "Another Investigation",
        authors=[magazine.author],
        paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
        access="subscribers",
        preview_after=1,
    )
    # Someone else's metered read stores the metered shell of the first article.
    _get(Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Someone else"), first_article.url)

    reader = Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Reader")
    before = MeterRead.objects.count()
    _, html = _get(reader, first_article.url)
    assert SECRET_MARKER in html and "This was your last free article" in html
    assert MeterRead.objects.count() > before
    # Re-reading is free; the next article is the teaser.
    assert SECRET_MARKER in _get(reader, first_article.url)[1]
    _, html = _get(reader, second_article.url)
    assert SECRET_MARKER not in html and "You have used your free articles" in html


def test_the_ad_in_a_shared_shell_shows_only_to_readers_who_are_not_ad_free(client_for, magazine):
    from masthead.ads.models import HouseAd

    HouseAd.objects.create(name="Spring offer", slot="article-inline", text="Half price this spring", link="/billing/")
    url = magazine.public_article.url
    assert "Half price this spring" in _get(client_for("member"), url)[1]
    assert "Half price this spring" not in _get(client_for("subscriber"), url)[1]
    assert "Half price this spring" in _get(client_for("anonymous"), url)[1]
    assert "Half price this spring" in _get(client_for("member"), url)[1]


def test_a_published_edit_reaches_signed_in_readers_at_once(client_for, magazine):
    reader = client_for("subscriber")
    url = magazine.subscriber_article.url
    _get(reader, url)
    draft = magazine.subscriber_article.get_latest_revision_as_object()
    draft.dek = "A corrected standfirst."
    draft.save_revision().publish()
    assert "A corrected standfirst." in _get(reader, url)[1]


def test_a_draft_preview_is_never_stored_as_the_live_page(client_for, magazine):
    url = magazine.public_article.url
    draft = magazine.public_article.get_latest_revision_as_object()
    draft.dek = "Draft words nobody may see yet."
    draft.save_revision()
    preview = draft.make_preview_request()
    assert "Draft words nobody may see yet." in preview.content.decode()
    for persona in ("anonymous", "subscriber"):
        assert "Draft words nobody may see yet." not in _get(client_for(persona), url)[1]


def test_a_shell_render_that_shows_a_csrf_token_is_not_stored(db):
    from django.contrib.auth.models import AnonymousUser
    from django.middleware.csrf import get_token

    renders = []

    def render(request):
        renders.append(request)
        # A form in the shared part of the page: the token belongs to one reader.
        return f'<form><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>', ["page-1"]

    for _ in range(2):
        request = RequestFactory().get("/form-page/")
        request.user = AnonymousUser()
        response = shells.respond(request, key="test:csrf", render=render, reader={}, shared=True)
        assert b"csrfmiddlewaretoken" in response.content
    # Rendered for nobody, found to carry a token, rendered again for the reader — twice over.
    assert len(renders) == 4
    assert not [key for key, _ in pagestore.tier().entries() if "test:csrf" in key]
