"""The meter: N free subscriber articles per 30 days, counted on the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from masthead.access.models import MeterRead
from masthead.testing import builders
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def paid_articles(magazine):
    """Four subscriber articles, each with its own marker after the cut."""
    articles = [magazine.subscriber_article]
    for n in range(3):
        articles.append(
            builders.make_article(
                magazine.sections["Finance"],
                f"Paid story {n}",
                authors=[magazine.author],
                paragraphs=["Open paragraph.", f"Closed paragraph {SECRET_MARKER}."],
                access="subscribers",
                preview_after=1,
            )
        )
    return articles


def read(client, article):
    response = client.get(article.url)
    assert response.status_code == 200
    return response


def test_anonymous_reader_gets_n_articles_then_the_teaser(set_meter, paid_articles):
    set_meter(3)
    client = Client()
    for article in paid_articles[:3]:
        assert SECRET_MARKER in read(client, article).content.decode(), article.title
    html = read(client, paid_articles[3]).content.decode()
    assert SECRET_MARKER not in html
    assert "Subscribe to keep reading" in html


def test_metered_pages_are_private_and_never_enter_the_shared_cache(set_meter, paid_articles):
    set_meter(1)
    first = read(Client(), paid_articles[0])
    assert "no-store" in first["Cache-Control"] and "X-Cache" not in first
    # Another anonymous reader on another network must not get the first reader's full page.
    other = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Other browser")
    assert SECRET_MARKER in read(other, paid_articles[0]).content.decode()
    assert SECRET_MARKER not in read(other, paid_articles[1]).content.decode()
    assert read(Client(), paid_articles[1]).get("X-Cache") != "HIT"


def test_clearing_cookies_does_not_reset_the_meter(set_meter, paid_articles):
    set_meter(2)
    first_browser = Client(HTTP_USER_AGENT="Reader/1.0")
    read(first_browser, paid_articles[0])
    read(first_browser, paid_articles[1])
    assert first_browser.cookies.get("mh_meter")
    fresh = Client(HTTP_USER_AGENT="Reader/1.0")  # same machine, cookies cleared
    assert SECRET_MARKER not in read(fresh, paid_articles[2]).content.decode()


def test_a_forged_meter_cookie_is_ignored(set_meter, paid_articles):
    set_meter(1)
    client = Client(HTTP_USER_AGENT="Forger")
    read(client, paid_articles[0])
    client.cookies["mh_meter"] = "made-up-id"
    assert SECRET_MARKER not in read(client, paid_articles[1]).content.decode()


def test_rereading_a_counted_article_is_free(set_meter, paid_articles):
    set_meter(1)
    client = Client()
    for _ in range(3):
        assert SECRET_MARKER in read(client, paid_articles[0]).content.decode()
    assert SECRET_MARKER not in read(client, paid_articles[1]).content.decode()


def test_hard_paywall_shows_the_teaser_and_it_may_be_shared(set_meter, paid_articles):
    set_meter(0)
    Client().get("/")  # the first request creates site settings rows, which empties the page cache once
    first = read(Client(), paid_articles[0])
    assert SECRET_MARKER not in first.content.decode()
    assert first.get("X-Cache") == "MISS"
    assert read(Client(), paid_articles[0]).get("X-Cache") == "HIT"
    assert not MeterRead.objects.exists()


@pytest.mark.parametrize(
    ("age", "still_counts"),
    [
        (timedelta(days=29), True),
        (timedelta(days=30) - timedelta(minutes=1), True),
        (timedelta(days=30, minutes=1), False),
        (timedelta(days=31), False),
    ],
)
def test_the_30_day_window_from_both_sides(set_meter, paid_articles, member, client_for, age, still_counts):
    set_meter(1)
    client = client_for(member)
    read(client, paid_articles[0])
    assert SECRET_MARKER not in read(client, paid_articles[1]).content.decode()
    MeterRead.objects.update(read_at=timezone.now() - age)
    assert (SECRET_MARKER not in read(client, paid_articles[1]).content.decode()) is still_counts


def test_free_members_are_metered_by_account_not_by_browser(set_meter, paid_articles, member, client_for):
    set_meter(2)
    read(client_for(member), paid_articles[0])
    read(client_for(member), paid_articles[1])
    assert SECRET_MARKER not in read(client_for(member), paid_articles[2]).content.decode()
    assert set(MeterRead.objects.values_list("reader_key", flat=True)) == {f"u:{member.pk}"}


def test_subscribe_box_says_how_many_free_articles_remain(set_meter, paid_articles):
    set_meter(2)
    client = Client()
    html = read(client, paid_articles[0]).content.decode()
    assert "1 free article left" in html
    read(client, paid_articles[1])
    html = read(client, paid_articles[2]).content.decode()
    assert "used your free articles" in html


def test_subscribers_are_never_metered(set_meter, paid_articles, client_for):
    set_meter(1)
    client = client_for("subscriber")
    for article in paid_articles:
        assert SECRET_MARKER in read(client, article).content.decode()
    assert not MeterRead.objects.exists()


def test_members_articles_need_sign_in_whatever_the_meter(set_meter, magazine, client_for):
    set_meter(5)
    html = read(Client(), magazine.members_article).content.decode()
    assert SECRET_MARKER not in html and "Sign in to keep reading" in html
    assert SECRET_MARKER in read(client_for("member"), magazine.members_article).content.decode()


def test_signing_up_does_not_start_a_fresh_allowance(set_meter, paid_articles, member):
    set_meter(2)
    browser = Client(HTTP_USER_AGENT="Reader/2.0")
    read(browser, paid_articles[0])
    read(browser, paid_articles[1])
    browser.force_login(member)  # same browser, now with an account
    assert SECRET_MARKER not in read(browser, paid_articles[2]).content.decode()
    assert SECRET_MARKER in read(browser, paid_articles[0]).content.decode(), "re-reading stays free"
