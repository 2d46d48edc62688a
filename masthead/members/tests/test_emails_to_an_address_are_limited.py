"""Every email sent because someone typed an address draws on one budget per address, whichever form asked."""

from __future__ import annotations

import pytest
from django.test import Client

from masthead.members import throttle

BUDGET = throttle.EMAILS.per_account


@pytest.mark.parametrize("address", ["member@example.com", "nobody@example.com"])
def test_twelve_password_resets_send_five_emails(member, smtp_server, address):
    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{n}").post("/account/password/reset/", {"email": address}).status_code for n in range(12)
    ]
    assert answers == [302] * BUDGET + [429] * (12 - BUDGET)
    assert len(smtp_server.to(address)) == BUDGET


def test_a_refused_reset_says_why_and_keeps_the_form(member, smtp_server):
    for _ in range(BUDGET):
        Client().post("/account/password/reset/", {"email": "member@example.com"})
    response = Client().post("/account/password/reset/", {"email": "member@example.com"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Wait 15 minutes" in html and 'name="email"' in html


def test_links_and_resets_share_the_addresses_budget(member, smtp_server):
    client = Client()
    for _ in range(3):
        assert client.post("/account/signin/", {"email": "member@example.com"}).status_code == 200
    for _ in range(BUDGET - 3):
        assert client.post("/account/password/reset/", {"email": "member@example.com"}).status_code == 302
    assert client.post("/account/password/reset/", {"email": "member@example.com"}).status_code == 429
    assert client.post("/account/signup/", {"email": "member@example.com"}).status_code == 429
    assert len(smtp_server.to("member@example.com")) == BUDGET


def test_one_network_cannot_mail_the_whole_world(db, smtp_server):
    client = Client(REMOTE_ADDR="192.0.2.77")
    answers = [client.post("/account/signup/", {"email": f"victim{n}@example.com"}).status_code for n in range(22)]
    assert answers == [200] * throttle.EMAILS.per_client + [429] * (22 - throttle.EMAILS.per_client)
