"""Sign up and sign in by an emailed link, end to end through a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time


def _link_path(smtp_server, address):
    [message] = smtp_server.to(address)
    [link] = smtp_server.links(message)
    return urlsplit(link).path


def test_a_new_reader_signs_up_by_link_and_the_link_works_once(db, smtp_server):
    client = Client()
    response = client.post("/account/signup/", {"email": "New.Reader@Example.com"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert not get_user_model().objects.filter(email="new.reader@example.com").exists()

    path = _link_path(smtp_server, "new.reader@example.com")
    # Following the link (as a mail scanner would) neither signs in nor spends it.
    assert "Continue as new.reader@example.com" in client.get(path).content.decode()
    assert client.get("/account/").status_code == 302

    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/account/"
    user = get_user_model().objects.get(email="new.reader@example.com")
    assert not user.has_usable_password()
    assert client.get("/account/").status_code == 200

    again = Client().post(path)
    assert again.status_code == 400 and "already been used" in again.content.decode()


def test_a_member_signs_in_by_link_and_lands_where_they_were(magazine, member, smtp_server):
    client = Client()
    client.post("/account/signin/", {"email": "member@example.com", "password": "", "next": magazine.members_article.url})
    response = client.post(_link_path(smtp_server, "member@example.com"))
    assert response["Location"] == magazine.members_article.url
    assert int(client.session["_auth_user_id"]) == member.pk


def test_a_link_expires_after_15_minutes(member, smtp_server):
    start = timezone.now()
    with freeze_time(start):
        Client().post("/account/signin/", {"email": "member@example.com"})
    path = _link_path(smtp_server, "member@example.com")
    with freeze_time(start + timedelta(minutes=16)):
        response = Client().post(path)
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_a_tampered_link_is_refused(member, smtp_server):
    Client().post("/account/signin/", {"email": "member@example.com"})
    path = _link_path(smtp_server, "member@example.com")
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = path.replace(token, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert Client().post(forged).status_code == 400


def test_known_and_unknown_addresses_get_the_same_page_and_one_email_each(member, smtp_server):
    known = Client().post("/account/signin/", {"email": "member@example.com"})
    unknown = Client().post("/account/signin/", {"email": "stranger@example.com"})

    def scrub(response, email):
        html = response.content.decode().replace(email, "EMAIL")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert known.status_code == unknown.status_code == 200
    assert scrub(known, "member@example.com") == scrub(unknown, "stranger@example.com")
    assert len(smtp_server.to("member@example.com")) == 1
    assert len(smtp_server.to("stranger@example.com")) == 1


def test_a_link_cannot_send_the_reader_to_another_site(member, smtp_server):
    client = Client()
    client.post("/account/signin/", {"email": "member@example.com", "next": "https://evil.example/"})
    assert client.post(_link_path(smtp_server, "member@example.com"))["Location"] == "/account/"


def test_password_reset_sends_one_email_to_known_and_unknown_addresses(member, smtp_server):
    for address in ("member@example.com", "nobody@example.com"):
        response = Client().post("/account/password/reset/", {"email": address})
        assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert "/account/password/reset/" in smtp_server.links(smtp_server.to("member@example.com")[0])[0]
    assert "/account/link/" in smtp_server.links(smtp_server.to("nobody@example.com")[0])[0]


def test_a_closed_account_is_not_reopened_by_a_sign_in_link(member, smtp_server):
    member.is_active = False
    member.save()
    Client().post("/account/signin/", {"email": "member@example.com"})
    response = Client().post(_link_path(smtp_server, "member@example.com"))
    assert response.status_code == 403 and "closed" in response.content.decode()
    assert get_user_model().objects.filter(email="member@example.com").count() == 1
