"""An account's replaced addresses are kept, however the address changed: "once per person" rules count them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core import mail

from masthead.members import services
from masthead.members.models import PastEmail


def test_the_email_change_flow_keeps_the_old_address(member: Any, client_for: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = client_for(member)
    client.post("/account/email/", {"new_email": "Fresh@Example.com"})
    link = next(w for w in mail.outbox[-1].body.split() if "/account/email/confirm/" in w)
    assert client.post(urlsplit(link).path).status_code == 302

    member.refresh_from_db()
    assert member.email == "fresh@example.com"
    assert list(PastEmail.objects.filter(user=member).values_list("email", flat=True)) == ["member@example.com"]
    assert services.emails_of(member) == {"fresh@example.com", "member@example.com"}


def test_a_staff_edit_of_the_address_keeps_the_old_one_too(member: Any) -> None:
    user = get_user_model().objects.get(pk=member.pk)  # as the admin's user form would load and save it
    user.email = "edited-by-staff@example.com"
    user.save()
    user.email = "member@example.com"  # and back again: each address once
    user.save()
    assert sorted(PastEmail.objects.filter(user=member).values_list("email", flat=True)) == [
        "edited-by-staff@example.com",
        "member@example.com",
    ]
    assert services.emails_of(user) == {"member@example.com", "edited-by-staff@example.com"}


def test_saves_that_do_not_change_the_address_record_nothing(member: Any) -> None:
    member.first_name = "Ada"
    member.save()  # a full save, address unchanged
    member.email = "MEMBER@example.com"  # only the case differs: the same address
    member.save()
    member.save(update_fields=["last_login"])  # what signing in does
    assert not PastEmail.objects.exists()
    assert services.emails_of(member) == {"member@example.com"}
