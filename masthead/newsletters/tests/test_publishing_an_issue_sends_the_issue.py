"""Publishing an issue sends "The Issue" through a real SMTP server to the readers who chose it,
each copy cut by the gate for its reader."""

from __future__ import annotations

from masthead.newsletters.models import Send, SendStatus
from masthead.newsletters.tests.conftest import decoded
from masthead.testing.fixtures import SECRET_MARKER


def _html(smtp_server, message):
    return message.get_body(preferencelist=("html",)).get_content()


def test_the_issue_goes_to_those_who_chose_it_with_the_paywall_per_recipient(
    smtp_server, publish_issue, the_issue, the_briefing, subscribe, subscriber, member, lapsed
):
    subscribe(subscriber, the_issue)
    subscribe(member, the_issue, the_briefing)
    subscribe(lapsed, the_briefing)  # chose only the other newsletter

    issue = publish_issue()

    send = Send.objects.get(newsletter=the_issue, issue=issue)
    assert send.status == SendStatus.SENT and send.automatic
    assert sorted(to for _, tos in smtp_server.collector.envelopes for to in tos) == [
        "member@example.com",
        "subscriber@example.com",
    ]
    [paid_copy] = smtp_server.to("subscriber@example.com")
    [free_copy] = smtp_server.to("member@example.com")
    for copy in (paid_copy, free_copy):
        assert "A Subscriber Investigation" in _html(smtp_server, copy)
        assert "Preview paragraph anyone may read." in _html(smtp_server, copy)
        assert "The first public paragraph." in smtp_server.body(copy)
    assert SECRET_MARKER in _html(smtp_server, paid_copy) and SECRET_MARKER in smtp_server.body(paid_copy)
    assert SECRET_MARKER not in decoded(free_copy)
    assert "Preview paragraph anyone may read." in decoded(free_copy)  # decoded() sees the text at all
    assert "Subscribe to read on" in _html(smtp_server, free_copy)


def test_republishing_the_issue_sends_nothing_more(
    smtp_server, publish_issue, the_issue, subscribe, member, django_capture_on_commit_callbacks
):
    subscribe(member, the_issue)
    issue = publish_issue()
    assert len(smtp_server.messages) == 1
    with django_capture_on_commit_callbacks(execute=True):
        issue.save_revision().publish()
    assert len(smtp_server.messages) == 1
    assert Send.objects.filter(issue=issue).count() == 1
