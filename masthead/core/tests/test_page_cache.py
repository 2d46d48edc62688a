"""The anonymous page cache: who gets a stored page, who never does, and
that publishing empties it at once. Runs on the embedded local-memory cache
(tag versions in files' mtimes) and, when redis-server is installed, on Redis."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from masthead.core import cachetags, pagecache, pagestore
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture(params=["locmem", "redis"])
def backend(request: Any, settings: Any) -> str:
    """Every behaviour test runs against both ways of keeping the generation."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": "t"}}
    cache.clear()
    cachetags.forget_clock()  # Redis emptied behind the process's back
    return str(request.param)


@pytest.fixture
def site(backend: str, magazine: Any) -> Any:
    """The magazine on each cache backend, for the behaviours that depend on it."""
    # The magazine's own publishing bumped the generation; start from an empty cache.
    cache.clear()
    cachetags.forget_clock()  # Redis emptied behind the process's back
    return magazine


@pytest.fixture
def local_site(magazine: Any) -> Any:
    """The magazine on the local-memory cache only: these behaviours do not depend on the backend."""
    cache.clear()
    cachetags.forget_clock()  # Redis emptied behind the process's back
    return magazine


@pytest.fixture
def redis_site(redis_server: str, settings: Any, magazine: Any) -> Any:
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_server, "KEY_PREFIX": "t"}}
    cache.clear()
    cachetags.forget_clock()  # Redis emptied behind the process's back
    return magazine


def _get(client: Client, url: str) -> tuple[HttpResponse, str]:
    response = client.get(url)
    return response, response.content.decode()


def _publish_edit(page: Any, **fields: Any) -> None:
    draft = page.get_latest_revision_as_object()
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.save_revision().publish()


# --- Who gets a stored page -------------------------------------------------


def test_anonymous_reader_misses_then_hits_the_same_bytes(client, site):
    url = site.public_article.url
    first, html = _get(client, url)
    second = client.get(url)
    assert first["X-Cache"] == "MISS"
    assert second["X-Cache"] == "HIT"
    assert "Cookie" in first["Vary"]
    assert second.content == first.content and "The second public paragraph." in html
    # A hit still carries what the middleware behind it would have added.
    assert second["X-Content-Type-Options"] == "nosniff"
    assert second["Vary"] == "Cookie, Accept-Encoding"
    assert second["Content-Type"].startswith("text/html")


def test_hit_answers_a_revalidation_with_304(client, local_site):
    url = local_site.public_article.url
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_signed_in_reader_never_gets_nor_fills_the_cache(client, local_site, member):
    url = local_site.public_article.url
    reader = Client()
    reader.force_login(member)
    mine = reader.get(url)
    assert "X-Cache" not in mine
    # The signed-in visit stored nothing: the first anonymous visit still misses.
    assert client.get(url)["X-Cache"] == "MISS"
    assert client.get(url)["X-Cache"] == "HIT"
    assert "X-Cache" not in reader.get(url)


def test_gated_teaser_is_cached_without_the_text_after_the_cut(client, site, subscriber, staff):
    url = site.subscriber_article.url
    first, teaser = _get(client, url)
    second, cached = _get(client, url)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert "Preview paragraph anyone may read." in cached
    assert SECRET_MARKER not in teaser and SECRET_MARKER not in cached

    # Right after an anonymous hit, a subscriber (and staff) read it all.
    for persona in (subscriber, staff):
        reader = Client()
        reader.force_login(persona)
        full, html = _get(reader, url)
        assert SECRET_MARKER in html
        assert "X-Cache" not in full
        assert "no-store" in full["Cache-Control"] and "private" in full["Cache-Control"]
    # ...and did not poison the cache for the next anonymous reader.
    assert SECRET_MARKER not in client.get(url).content.decode()


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_a_session_or_flash_message_cookie_goes_past_the_cache(client, local_site, cookie):
    url = local_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    client.cookies[cookie] = "anything"
    assert "X-Cache" not in client.get(url)


def test_a_plain_csrf_cookie_still_gets_the_cached_page(client, local_site):
    url = local_site.public_article.url
    client.get(url)
    client.cookies["csrftoken"] = "x" * 32
    assert client.get(url)["X-Cache"] == "HIT"


def test_turning_the_meter_on_stops_serving_the_cached_teaser(client, local_site, set_meter):
    url = local_site.subscriber_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    set_meter(3)  # staff edit the paywall setting
    metered, html = _get(client, url)
    # A metered read differs per reader: served in full, and never stored.
    assert SECRET_MARKER in html
    assert "X-Cache" not in metered
    assert "X-Cache" not in Client().get(url)


def test_only_pagination_in_the_query_string_is_cached(client, local_site):
    section = local_site.sections["Politics"].url
    assert client.get(section + "?page=1")["X-Cache"] == "MISS"
    assert client.get(section + "?page=1")["X-Cache"] == "HIT"
    # Tracking or random parameters would let anyone fill the cache with copies of one page.
    for _ in range(2):
        response = client.get(section + "?utm_source=newsletter")
        assert response.status_code == 200 and "X-Cache" not in response


# --- What is never stored ---------------------------------------------------


def _personal_cookie(r: HttpResponse, req: Any) -> None:
    r.set_cookie("meter", "1")


def _csrf_in_page(r: HttpResponse, req: Any) -> None:
    req.META["CSRF_COOKIE_USED"] = True


def _vary_language(r: HttpResponse, req: Any) -> None:
    r["Vary"] = "Accept-Language, Cookie"


def _private(r: HttpResponse, req: Any) -> None:
    r["Cache-Control"] = "private"


def _not_found(r: HttpResponse, req: Any) -> None:
    r.status_code = 404


@pytest.mark.parametrize("spoil", [_personal_cookie, _csrf_in_page, _vary_language, _private, _not_found, None])
def test_marked_responses_that_are_personal_are_not_stored(backend, settings, tmp_path, spoil):
    settings.VAR_DIR = tmp_path
    calls = []

    def view(request: Any) -> HttpResponse:
        calls.append(1)
        response = pagecache.mark_shared_cacheable(HttpResponse(b"<p>page</p>"))
        response["Vary"] = "Cookie"  # what SessionMiddleware adds when the view looked at request.user
        if spoil:
            spoil(response, request)
        return response

    middleware = pagecache.AnonymousPageCacheMiddleware(view)
    factory = RequestFactory()
    middleware(factory.get("/page/"))
    middleware(factory.get("/page/"))
    # Only the clean response is served the second time without running the view.
    assert len(calls) == (1 if spoil is None else 2)


def test_a_head_request_is_answered_from_the_cache_but_never_fills_it(backend, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    calls = []

    def view(request: Any) -> HttpResponse:
        calls.append(request.method)
        return pagecache.mark_shared_cacheable(HttpResponse(b"" if request.method == "HEAD" else b"<p>page</p>"))

    middleware = pagecache.AnonymousPageCacheMiddleware(view)
    factory = RequestFactory()
    middleware(factory.head("/page/"))
    assert middleware(factory.get("/page/")).content == b"<p>page</p>"
    head = middleware(factory.head("/page/"))
    assert head["X-Cache"] == "HIT" and head["Content-Length"] == str(len(b"<p>page</p>"))
    assert calls == ["HEAD", "GET"]


def test_unmarked_responses_are_not_stored(backend, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    calls = []

    def view(request: Any) -> HttpResponse:
        calls.append(1)
        return HttpResponse(b"<p>search results</p>")

    middleware = pagecache.AnonymousPageCacheMiddleware(view)
    middleware(RequestFactory().get("/search/?q=x"))
    middleware(RequestFactory().get("/search/?q=x"))
    assert len(calls) == 2


# --- Publishing empties it at once ------------------------------------------


def test_a_published_edit_shows_on_the_very_next_request(client, site):
    url = site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    _publish_edit(site.public_article, dek="A corrected standfirst.", body=builders.body_json(["An edited paragraph."]))
    response, html = _get(client, url)
    assert response["X-Cache"] == "MISS"
    assert "A corrected standfirst." in html and "An edited paragraph." in html
    assert "The second public paragraph." not in html


def test_publishing_leaves_the_rest_of_the_cache_alone(site):
    # Rate limits (checkout throttling) live in the same cache; a publish must not reset them.
    cache.set("billing:checkouts:42", 5, 600)
    _publish_edit(site.public_article, dek="Another standfirst.")
    assert cache.get("billing:checkouts:42") == 5


def test_a_saved_draft_leaves_the_cached_page_alone(client, local_site):
    url = local_site.public_article.url
    client.get(url)
    draft = local_site.public_article.get_latest_revision_as_object()
    draft.dek = "Draft words nobody may see yet."
    draft.save_revision()
    response, html = _get(client, url)
    assert response["X-Cache"] == "HIT"
    assert "Draft words nobody may see yet." not in html


def test_unpublishing_gives_404_on_the_next_request(client, site):
    url = site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    site.public_article.unpublish()
    assert client.get(url).status_code == 404


def test_home_and_section_show_a_newly_published_article_at_once(client, site):
    home, section = site.home.url, site.sections["Politics"].url
    for url in (home, section):
        client.get(url)
        assert client.get(url)["X-Cache"] == "HIT"
    builders.make_article(site.sections["Politics"], "Fresh Off The Press", authors=[site.author], paragraphs=["News."])
    assert "Fresh Off The Press" in client.get(section).content.decode()
    assert "Fresh Off The Press" in client.get(home).content.decode()


def test_site_wide_settings_and_redirects_empty_the_cache(client, local_site):
    from wagtail.contrib.redirects.models import Redirect

    from masthead.core.models import MagazineSettings

    url = local_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    MagazineSettings.for_site(local_site.home.get_site()).save()
    assert client.get(url)["X-Cache"] == "MISS"
    Redirect.objects.create(old_path=url.rstrip("/"), redirect_link="/elsewhere/")
    assert client.get(url)["X-Cache"] == "MISS"


def test_a_purge_is_repeated_when_the_publish_commits(site, django_capture_on_commit_callbacks):
    # A reader between publish() and COMMIT renders the old rows and stores
    # them under the purged versions; the purge after commit makes that entry unreachable.
    tag = cachetags.page_tag(site.public_article.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cachetags.purge([tag])
        during = cachetags.store().versions([tag])
    assert callbacks
    for callback in callbacks:
        callback()
    assert cachetags.store().versions([tag]) != during


def test_tag_versions_are_never_reused(site):
    tag = cachetags.page_tag(site.public_article.pk)
    seen = {tuple(cachetags.store().versions([tag]))}
    for _ in range(5):
        cachetags.purge([tag])
        seen.add(tuple(cachetags.store().versions([tag])))
    assert len(seen) == 6


def test_site_wide_purge_reaches_every_entry(client, site):
    url = site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    pagecache.bump_generation()
    assert client.get(url)["X-Cache"] == "MISS"


def test_lost_redis_tags_do_not_resurrect_old_pages(client, redis_site):
    url = redis_site.public_article.url
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"
    # As an eviction or a Redis restart would: the versions and the clock are gone,
    # and another process (an empty memory tier) asks.
    cache.delete_many(
        [cachetags.TAG_KEY_PREFIX + tag for tag in (cachetags.SITE, cachetags.page_tag(redis_site.public_article.pk))]
    )
    cache.delete(cachetags.CLOCK_KEY)
    pagestore.clear()
    assert client.get(url)["X-Cache"] == "MISS"


# --- The WSGI door (production hit path) ------------------------------------


def test_wsgi_door_serves_what_the_middleware_stored_and_passes_the_rest(client, site):
    url = site.subscriber_article.url
    client.get(url)  # stored by the middleware
    passed = []

    def django_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        passed.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from django"]

    door = pagecache.PageCacheWSGI(django_app)
    statuses: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append((status, headers))

    body = b"".join(door(RequestFactory().get(url).environ, start_response))
    headers = dict(statuses[-1][1])
    assert statuses[-1][0] == "200 OK" and headers["X-Cache"] == "HIT"
    assert int(headers["Content-Length"]) == len(body)
    assert b"Preview paragraph anyone may read." in body and SECRET_MARKER.encode() not in body

    signed_in = RequestFactory().get(url, HTTP_COOKIE="sessionid=abc").environ
    assert b"".join(door(signed_in, start_response)) == b"from django"
    assert b"".join(door(RequestFactory().post(url).environ, start_response)) == b"from django"
    assert passed == [url, url]

    _publish_edit(site.subscriber_article, dek="A new standfirst.")
    assert b"".join(door(RequestFactory().get(url).environ, start_response)) == b"from django"
