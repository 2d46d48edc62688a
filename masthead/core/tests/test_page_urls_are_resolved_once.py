"""A URL that resolved to Wagtail's page view is not walked through every URL pattern again (core/handler.py).

Same answer as Django's resolver, a fresh match per request, app URLs and unknown URLs resolved as
always, and nothing carried over to another URL conf.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from django.urls import Resolver404, get_resolver
from django.urls.resolvers import URLResolver
from wagtail.views import serve

from masthead.core import handler
from masthead.testing.fixtures import SECRET_MARKER


class CountingResolver:
    """The project's resolver, counting how often it is asked."""

    def __init__(self, resolver: URLResolver) -> None:
        self.resolver, self.calls = resolver, 0

    def resolve(self, path: str) -> Any:
        self.calls += 1
        return self.resolver.resolve(path)


@pytest.fixture(autouse=True)
def _nothing_remembered() -> Iterator[None]:
    handler._remembered.clear()
    handler._remembered_for.clear()
    yield
    handler._remembered.clear()
    handler._remembered_for.clear()


def _fields(match: Any) -> tuple[Any, ...]:
    return (
        match.func, match.args, match.kwargs, match.url_name, match.app_names, match.namespaces, match.route,
        match.view_name, match.captured_kwargs, match.extra_kwargs,
    )  # fmt: skip


def test_a_page_url_is_resolved_once_and_answered_as_django_answers_it(magazine):
    counting = CountingResolver(get_resolver())
    url = magazine.subscriber_article.url
    first = handler.resolve_remembering(counting, url)
    again = handler.resolve_remembering(counting, url)
    assert counting.calls == 1
    assert first.func is serve and _fields(again) == _fields(first) == _fields(get_resolver().resolve(url))
    assert again is not first
    again.kwargs["changed"] = True  # what one request does to its match stays with it
    assert "changed" not in handler.resolve_remembering(counting, url).kwargs


@pytest.mark.parametrize("url", ["/account/signin/", "/billing/", "/search/"])
def test_app_urls_are_resolved_every_time(db, url):
    counting = CountingResolver(get_resolver())
    for _ in range(2):
        assert handler.resolve_remembering(counting, url).func is not serve
    assert counting.calls == 2


def test_a_url_nothing_matches_stays_a_404(db):
    counting = CountingResolver(get_resolver())
    for _ in range(2):
        with pytest.raises(Resolver404):
            handler.resolve_remembering(counting, "/a.b/")
    assert counting.calls == 2 and handler._remembered == {}


def test_another_url_conf_starts_with_nothing_remembered(magazine):
    url = magazine.public_article.url
    ours = CountingResolver(get_resolver())
    handler.resolve_remembering(ours, url)
    other = CountingResolver(get_resolver("masthead.newsroom.urls"))
    with pytest.raises(Resolver404):  # that conf has no catch-all: the remembered answer is not its answer
        handler.resolve_remembering(other, url)
    handler.resolve_remembering(ours, url)
    assert ours.calls == 2


def test_memory_is_bounded(magazine, monkeypatch):
    monkeypatch.setattr(handler, "LIMIT", 3)
    counting = CountingResolver(get_resolver())
    for n in range(3):
        handler.resolve_remembering(counting, f"/no-such-page-{n}/")
    assert len(handler._remembered) == 3
    handler.resolve_remembering(counting, magazine.public_article.url)
    assert list(handler._remembered) == [magazine.public_article.url]


def _get(app: Any, path: str, cookie: str = "") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }  # fmt: skip
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    answered: list[str] = []
    body = b"".join(app(environ, lambda status, headers: answered.append(status)))
    return answered[0], body


def test_the_served_page_is_the_one_django_serves(magazine, client_for, settings):
    # The deployed handler, in this process: Django's test client brings its own handler, so call ours as a server does.
    settings.ALLOWED_HOSTS = ["testserver"]
    signed_in = client_for("subscriber")
    cookie = f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    app = handler.MastheadWSGIHandler()
    url = magazine.subscriber_article.url
    # As the test client does: the test's transaction must survive the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        served = [_get(app, url, cookie) for _ in range(3)]
        anonymous = _get(app, url)
        missing = _get(app, url + "no-such-page/", cookie)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert list(handler._remembered) == [url, url + "no-such-page/"]
    for status, body in served:
        assert status.startswith("200") and SECRET_MARKER.encode() in body
    assert anonymous[0].startswith("200") and SECRET_MARKER.encode() not in anonymous[1]
    assert missing[0].startswith("404")
