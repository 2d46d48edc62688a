"""The leak matrix's email surface: a newsletter carrying the gated articles goes to every persona through a
real SMTP server; the text after the cut reaches only those entitled to it. The web archive of the same
newsletter goes through the same gate."""

from __future__ import annotations

import pytest
from django.test import Client

from masthead.newsletters import sending
from masthead.newsletters.models import Send, SendKind
from masthead.newsletters.tests.conftest import decoded
from masthead.testing.fixtures import SECRET_MARKER

PERSONAS = ["member", "lapsed", "refunded", "subscriber", "editor", "staff"]
ENTITLED = {"subscribers": {"subscriber", "editor", "staff"}, "members": set(PERSONAS)}


@pytest.mark.parametrize("access", ["subscribers", "members"])
def test_each_persona_gets_exactly_what_the_gate_allows_by_email(
    request, access, smtp_server, magazine, the_briefing, subscribe, django_capture_on_commit_callbacks
):
    for persona in PERSONAS:
        subscribe(request.getfixturevalue(persona), the_briefing)
    article = magazine.subscriber_article if access == "subscribers" else magazine.members_article
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.ARTICLE, article=article, subject=article.title)
    with django_capture_on_commit_callbacks(execute=True):
        sending.start(send=send)
    failures = []
    for persona in PERSONAS:
        [message] = smtp_server.to(f"{persona}@example.com")
        leaked = SECRET_MARKER in decoded(message)
        if persona in ENTITLED[access] and not leaked:
            failures.append(f"{persona}: entitled to the {access} article but the email withheld it")
        if persona not in ENTITLED[access] and leaked:
            failures.append(f"LEAK {persona}: text after the cut of the {access} article by email")
    assert not failures, "\n".join(failures)


def test_an_address_without_an_account_gets_the_teaser(smtp_server, magazine, the_briefing, django_capture_on_commit_callbacks):
    from masthead.newsletters import services

    services.import_subscribers(newsletter=the_briefing, text="outsider@example.com\n")
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.ISSUE, issue=magazine.issue, subject="The issue")
    with django_capture_on_commit_callbacks(execute=True):
        sending.start(send=send)
    [message] = smtp_server.messages
    assert SECRET_MARKER not in decoded(message)
    assert "Preview paragraph anyone may read." in decoded(message)


def test_the_web_archive_goes_through_the_gate(
    smtp_server, magazine, the_briefing, client_for, django_capture_on_commit_callbacks
):
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.ISSUE, issue=magazine.issue, subject="The issue")
    with django_capture_on_commit_callbacks(execute=True):
        sending.start(send=send)
    url = f"/newsletters/archive/{send.pk}/"
    assert f'href="{url}"'.encode() in Client().get("/newsletters/").content
    for persona, entitled in [("anonymous", False), ("member", False), ("subscriber", True)]:
        response = client_for(persona).get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"]
        assert (SECRET_MARKER in response.content.decode()) is entitled, persona
        assert "Preview paragraph anyone may read." in response.content.decode()


def test_an_unsent_newsletter_is_not_in_the_archive(magazine, the_briefing):
    send = Send.objects.create(newsletter=the_briefing, kind=SendKind.ISSUE, issue=magazine.issue, subject="Draft")
    assert Client().get(f"/newsletters/archive/{send.pk}/").status_code == 404
