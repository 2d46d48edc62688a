"""Importing a list of addresses: a malformed address is named with its line and nothing is imported."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from masthead.newsletters import services
from masthead.newsletters.models import Subscriber, Subscription, SubscriptionStatus


def test_a_malformed_address_names_its_line_and_imports_nothing(the_briefing):
    text = "email,name\nada@example.com,Ada\nnot-an-address,Bob\ncy@example.com,Cy\nbad@@example.com,\n"
    with pytest.raises(services.ImportRejected) as error:
        services.import_subscribers(newsletter=the_briefing, text=text)
    assert error.value.problems == [
        "line 3: 'not-an-address' is not an email address",
        "line 5: 'bad@@example.com' is not an email address",
    ]
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()


def test_a_clean_list_subscribes_everyone_but_keeps_unsubscribes_and_suppressions(the_briefing, subscribe, member):
    subscribe(member, the_briefing)
    services.unsubscribe_everything(subscriber=Subscriber.objects.get(email="member@example.com"))
    services.suppress(email="bounced@example.com", reason="bounced")
    counts = services.import_subscribers(
        newsletter=the_briefing, text="new@example.com\nNEW@example.com\nmember@example.com\nbounced@example.com\n"
    )
    assert counts == {"added": 1, "already": 0, "unsubscribed": 1, "suppressed": 1}
    assert Subscription.objects.get(subscriber__email="new@example.com").status == SubscriptionStatus.ACTIVE
    assert Subscription.objects.get(subscriber__email="member@example.com").status == SubscriptionStatus.UNSUBSCRIBED


def test_the_command_names_file_and_line(the_briefing, tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("ok@example.com\nbroken\n")
    with pytest.raises(CommandError, match=r"list.txt:line 2: 'broken' is not an email address"):
        call_command("import_newsletter_subscribers", "the-briefing", str(path))
    assert not Subscriber.objects.exists()
    with pytest.raises(CommandError, match="No newsletter with the slug 'nope'"):
        call_command("import_newsletter_subscribers", "nope", str(path))


def test_the_admin_import_lists_bad_lines(the_briefing, client_for):
    staff = client_for("staff")
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="staff").update(is_superuser=True)
    response = staff.post(f"/admin/sends/import/{the_briefing.pk}/", {"addresses": "a@example.com\nnope\n"})
    assert response.status_code == 200
    assert b"line 2: &#x27;nope&#x27; is not an email address" in response.content
    assert not Subscriber.objects.exists()
