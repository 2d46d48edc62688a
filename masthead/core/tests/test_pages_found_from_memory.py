"""Wagtail pages are found from a remembered route or by url_path, and still obey Wagtail's rules."""

from __future__ import annotations

from django.test import Client, RequestFactory
from wagtail.models import Page, PageViewRestriction

from masthead.core import pagestore, routing


def test_url_path_finds_the_page_wagtail_would_route_to(magazine):
    pages = [magazine.home, magazine.public_article, magazine.subscriber_article, magazine.issue, magazine.author]
    pages += list(magazine.sections.values())
    for page in pages:
        url = page.url
        request = RequestFactory().get(url)
        wagtail_page = Page.route_for_request(request, url)[0]
        found = routing._resolve(RequestFactory().get(url), url.strip("/"))
        assert found is not None and found.pk == wagtail_page.pk and type(found) is type(wagtail_page.specific), url


def test_a_renamed_page_moves_at_once(magazine):
    client = Client()
    old_url = magazine.public_article.url
    for _ in range(2):
        assert client.get(old_url).status_code == 200
    draft = magazine.public_article.get_latest_revision_as_object()
    draft.slug = "a-renamed-report"
    draft.save_revision().publish()
    assert client.get(old_url).status_code == 404
    assert client.get("/politics/a-renamed-report/").status_code == 200


def test_a_new_view_restriction_applies_to_a_remembered_page_at_once(magazine, client_for):
    url = magazine.public_article.url
    anonymous, member = Client(), client_for("member")
    for client in (anonymous, member, anonymous):
        assert client.get(url).status_code == 200
    assert any(key.startswith("pagecache:route:") for key, _ in pagestore.tier().entries())
    PageViewRestriction.objects.create(page=magazine.sections["Politics"], restriction_type=PageViewRestriction.LOGIN)
    response = anonymous.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert member.get(url).status_code == 200


def test_a_page_of_another_site_is_not_found_by_this_sites_url(magazine):
    # url_path lookups start at the requesting site's root: /authors/ under another root is not ours.
    assert Client().get("/no-such-section/no-such-article/").status_code == 404


def test_pages_under_a_parent_of_one_kind_are_found_in_one_query(magazine):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from masthead.testing import builders

    politics = magazine.sections["Politics"]
    other = builders.make_article(politics, "Another Report", authors=[magazine.author], paragraphs=["Text."])
    routing._resolve(RequestFactory().get(magazine.public_article.url), magazine.public_article.url.strip("/"))
    with CaptureQueriesContext(connection) as queries:
        found = routing._resolve(RequestFactory().get(other.url), other.url.strip("/"))
    assert found is not None and found.pk == other.pk and type(found) is type(other)
    assert len(queries) == 1
    # An unpublished page under a known parent is not served.
    other.unpublish()
    assert routing._resolve(RequestFactory().get(other.url), other.url.strip("/")) is None
    # A page of another kind under the same parent is still found (the guess only saves a query).
    odd = politics.add_child(instance=Page(title="An Odd Page", slug="odd"))
    found = routing._resolve(RequestFactory().get(odd.url), odd.url.strip("/"))
    assert found is not None and found.pk == odd.pk and type(found) is Page
    assert routing._resolve(RequestFactory().get(magazine.public_article.url), magazine.public_article.url.strip("/")) is not None
