"""The account page shows the reader's access and other apps' panels; email change needs the new address's confirmation."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import format_html
from wagtail import hooks

from masthead.access import entitlements, services
from masthead.members import services as members_services


def test_account_needs_sign_in(db):
    response = Client().get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/account/signin/")


def test_subscriber_sees_plan_renewal_and_panels_from_other_apps(client_for, subscriber):
    def panel(request):
        return format_html('<section class="account-panel"><h2>Postal address</h2><p>{}</p></section>', request.user.email)

    with hooks.register_temporarily("masthead_account_panels", panel):
        html = client_for(subscriber).get("/account/").content.decode()
    # One renewal date on the page: billing's panel says it; the access list does not add a second one
    # (its grant runs a grace period past the renewal, so its date would differ).
    assert "Digital, monthly" in html and "Renews automatically" in html and "Renews on" not in html
    assert "<h2>Postal address</h2><p>subscriber@example.com</p>" in html


def test_cancelled_subscription_says_until_not_renews(client_for, subscriber):
    grant = subscriber.grants.get()
    services.end_access(kind="subscription", reference=grant.reference, at=grant.ends_at, reason="cancelled")
    html = client_for(subscriber).get("/account/").content.decode()
    assert "Access until" in html and "Renews" not in html


def test_free_member_sees_a_free_account(client_for, member):
    html = client_for(member).get("/account/").content.decode()
    assert "You have a free account" in html


def test_reader_redeems_a_gift_from_the_account(client_for, member):
    gift = members_services.create_gift(months=12)
    client = client_for(member)
    response = client.post("/account/gift/", {"code": gift.code})
    assert response.status_code == 302
    assert entitlements.is_subscriber(member)
    assert "Gift subscription (12 months)" in client.get("/account/").content.decode()
    again = client.post("/account/gift/", {"code": gift.code})
    assert "already been redeemed" in again.content.decode()


def test_email_change_waits_for_the_new_address_to_confirm(member, client_for, smtp_server):
    client = client_for(member)
    response = client.post("/account/email/", {"new_email": "New.Home@example.com"})
    assert "Check your email" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "member@example.com"
    [message] = smtp_server.to("new.home@example.com")
    path = urlsplit(smtp_server.links(message)[0]).path
    assert client.post(path).status_code == 302
    member.refresh_from_db()
    assert member.email == "new.home@example.com"
    assert smtp_server.to("member@example.com"), "the old address is told about the change"
    assert Client().post(path).status_code == 400, "the confirmation link works once"


def test_email_change_to_an_address_in_use_changes_nothing(member, subscriber, client_for, smtp_server):
    client_for(member).post("/account/email/", {"new_email": "subscriber@example.com"})
    [message] = smtp_server.to("subscriber@example.com")
    assert "already has an account" in smtp_server.body(message)
    assert get_user_model().objects.get(pk=member.pk).email == "member@example.com"


def test_sign_out_needs_a_post(client_for, member):
    client = client_for(member)
    assert client.get("/account/signout/").status_code == 405
    client.post("/account/signout/")
    assert client.get("/account/").status_code == 302


def test_a_reader_without_a_password_can_set_one(member, client_for):
    member.set_unusable_password()
    member.save()
    client = client_for(member)
    response = client.post("/account/password/", {"new_password1": "correct-horse-9", "new_password2": "correct-horse-9"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("correct-horse-9")
