"""Readers choose newsletters at sign-up (double opt-in: nothing is sent until they follow the emailed
link), on the account page, and on the preferences page any email links to, where they can also
unsubscribe from everything."""

from __future__ import annotations

import re

from django.test import Client

from masthead.newsletters import sending, tokens
from masthead.newsletters.models import Send, SendKind, Subscriber, Subscription, SubscriptionStatus


def _send_post(newsletter, capture):
    send = Send.objects.create(newsletter=newsletter, kind=SendKind.POST, subject="Hello", body="<p>Hello readers.</p>")
    with capture(execute=True):
        sending.start(send=send)
    return send


def test_sign_up_offers_the_newsletters_and_starts_them_only_after_the_link(
    smtp_server, the_issue, the_briefing, django_capture_on_commit_callbacks
):
    client = Client()
    page = client.get("/account/signup/").content.decode()
    assert 'name="newsletters"' in page and "The Issue" in page and "The Briefing" in page
    assert re.search(rf'value="{the_issue.pk}"[^>]*checked', page), "The Issue is ticked by default"
    assert not re.search(rf'value="{the_briefing.pk}"[^>]*checked', page)

    response = client.post(
        "/account/signup/", {"email": "New.Reader@example.com", "newsletters": [the_issue.pk, the_briefing.pk]}
    )
    assert response.status_code == 200
    assert set(Subscription.objects.values_list("status", flat=True)) == {SubscriptionStatus.PENDING}

    [link_mail] = smtp_server.messages
    _send_post(the_briefing, django_capture_on_commit_callbacks)
    assert len(smtp_server.messages) == 1, "an unconfirmed address got a newsletter"

    link = next(url for url in smtp_server.links(link_mail) if "/account/link/" in url)
    path = "/" + link.split("/", 3)[3]
    client.post(path)  # the reader follows the link: the account exists and the address is proven
    subscriber = Subscriber.objects.get(email="new.reader@example.com")
    assert subscriber.user is not None and subscriber.confirmed_at is not None
    assert set(subscriber.subscriptions.values_list("status", flat=True)) == {SubscriptionStatus.ACTIVE}

    smtp_server.clear()
    _send_post(the_briefing, django_capture_on_commit_callbacks)
    assert [m["To"] for m in smtp_server.messages] == ["new.reader@example.com"]


def test_signing_up_someone_elses_address_sends_them_no_newsletter(smtp_server, the_briefing, django_capture_on_commit_callbacks):
    Client().post("/account/signup/", {"email": "victim@example.com", "newsletters": [the_briefing.pk]})
    smtp_server.clear()
    _send_post(the_briefing, django_capture_on_commit_callbacks)
    assert smtp_server.messages == []


def test_the_account_page_shows_and_saves_choices(client_for, member, the_issue, the_briefing):
    client = client_for(member)
    page = client.get("/account/").content.decode()
    assert "Newsletters" in page and f'value="{the_issue.pk}"' in page
    response = client.post("/newsletters/account/", {"newsletters": [the_briefing.pk], "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    subscriber = Subscriber.objects.get(user=member)
    assert dict(subscriber.subscriptions.values_list("newsletter__slug", "status")) == {"the-briefing": "active"}
    page = client.get("/account/").content.decode()
    assert re.search(rf'value="{the_briefing.pk}"[^>]*checked', page)
    # An outside "next" is not followed.
    assert client.post("/newsletters/account/", {"next": "https://evil.example/"})["Location"] == "/"


def test_the_account_form_needs_a_csrf_token_and_a_sign_in(the_briefing, member):
    assert Client().post("/newsletters/account/", {"newsletters": [the_briefing.pk]}).status_code == 302  # to sign-in
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/newsletters/account/", {"newsletters": [the_briefing.pk]}).status_code == 403
    assert not Subscription.objects.exists()


def test_the_preferences_link_changes_choices_and_unsubscribes_from_everything(the_issue, the_briefing, subscribe, member):
    subscriber = subscribe(member, the_issue, the_briefing)
    url = f"/newsletters/preferences/{tokens.preferences_token(subscriber.pk)}/"
    client = Client()  # no sign-in: the link is the key
    assert "member@example.com" in client.get(url).content.decode()
    client.post(url, {"newsletters": [the_issue.pk]})
    assert dict(subscriber.subscriptions.values_list("newsletter__slug", "status")) == {
        "the-issue": "active",
        "the-briefing": "unsubscribed",
    }
    client.post(url, {"everything": "1"})
    assert set(subscriber.subscriptions.values_list("status", flat=True)) == {"unsubscribed"}
    assert client.get(f"/newsletters/preferences/s{subscriber.pk}-{'a' * 26}/").status_code == 400
