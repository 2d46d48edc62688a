"""An editor composes in the Wagtail admin: a draft from an article, previews at desktop and phone width
(the subscriber copy and the teaser copy), a test to themselves, schedule, send, pause, resume, cancel,
progress; staff read the demo mailbox."""

from __future__ import annotations

import mailbox
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from masthead.newsletters.models import Delivery, Send, SendStatus
from masthead.newsletters.tests.conftest import decoded
from masthead.testing.fixtures import SECRET_MARKER


@pytest.fixture
def admin(db):
    user = get_user_model().objects.create_superuser("chief", "chief@example.com", "a-long-password-1")
    client = Client()
    client.force_login(user)
    return client


def _draft(admin, the_briefing, magazine):
    response = admin.post(
        "/admin/sends/new/",
        {"newsletter": the_briefing.pk, "kind": "article", "article": magazine.subscriber_article.pk, "subject": "", "body": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    return Send.objects.get()


def test_draft_preview_and_test_send(admin, smtp_server, magazine, the_briefing):
    assert admin.get("/admin/sends/new/").status_code == 200
    send = _draft(admin, the_briefing, magazine)
    assert send.subject == "A Subscriber Investigation" and send.status == SendStatus.DRAFT
    page = admin.get(f"/admin/sends/{send.pk}/").content.decode()
    assert f"/admin/sends/{send.pk}/preview/" in page and 'width="375"' in page and "Message size" in page
    full = admin.get(f"/admin/sends/{send.pk}/preview/")
    assert full.status_code == 200 and SECRET_MARKER in full.content.decode()
    teaser = admin.get(f"/admin/sends/{send.pk}/preview/?as=free").content.decode()
    assert SECRET_MARKER not in teaser and "Subscribe to read on" in teaser

    admin.post(f"/admin/sends/{send.pk}/test/")
    [test] = smtp_server.messages
    assert test["To"] == "chief@example.com" and test["Subject"].startswith("[Test]")
    assert Delivery.objects.count() == 0 and Send.objects.get().status == SendStatus.DRAFT


def test_schedule_then_send_now_pause_resume_and_cancel(
    admin, smtp_server, magazine, the_briefing, subscribe, member, django_capture_on_commit_callbacks
):
    subscribe(member, the_briefing)
    send = _draft(admin, the_briefing, magazine)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    admin.post(f"/admin/sends/{send.pk}/schedule/", {"at": past})
    assert Send.objects.get().status == SendStatus.DRAFT
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    admin.post(f"/admin/sends/{send.pk}/schedule/", {"at": future})
    assert Send.objects.get().status == SendStatus.SCHEDULED
    assert smtp_server.messages == []
    admin.post(f"/admin/sends/{send.pk}/unschedule/")
    assert Send.objects.get().status == SendStatus.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/admin/sends/{send.pk}/start/")
        admin.post(f"/admin/sends/{send.pk}/start/")  # a double click sends once
    assert [m["To"] for m in smtp_server.messages] == ["member@example.com"]
    assert SECRET_MARKER not in decoded(smtp_server.messages[0])
    send.refresh_from_db()
    assert send.status == SendStatus.SENT and send.recipient_count == 1
    page = admin.get(f"/admin/sends/{send.pk}/").content.decode()
    assert "1 of 1 recipients handled (100%)" in page
    assert "cannot" not in admin.get("/admin/sends/").content.decode()
    response = admin.post(f"/admin/sends/{send.pk}/pause/", follow=True)
    assert "Only a send that is sending can be paused." in response.content.decode()


def test_pause_stops_the_workers_and_cancel_drops_the_rest(
    admin, smtp_server, magazine, the_briefing, subscribe, member, subscriber
):
    from masthead.newsletters import delivery, sending

    subscribe(member, the_briefing)
    subscribe(subscriber, the_briefing)
    send = _draft(admin, the_briefing, magazine)
    Send.objects.filter(pk=send.pk).update(status=SendStatus.SENDING)
    sending.prepare(send_id=send.pk)
    admin.post(f"/admin/sends/{send.pk}/pause/")
    assert delivery.deliver(send.pk).sent == 0 and smtp_server.messages == []
    admin.post(f"/admin/sends/{send.pk}/cancel/")
    send.refresh_from_db()
    assert send.status == SendStatus.CANCELLED
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}
    assert delivery.deliver(send.pk).sent == 0 and smtp_server.messages == []


def test_readers_and_plain_staff_cannot_compose(client_for, magazine, the_briefing):
    assert client_for("member").get("/admin/sends/new/").status_code in (302, 403)
    response = client_for("staff").post(
        "/admin/sends/new/", {"newsletter": the_briefing.pk, "kind": "post", "subject": "x", "body": "<p>x</p>"}
    )
    assert response.status_code in (302, 403) and not Send.objects.exists()


def test_a_bad_form_names_the_problem(admin, the_briefing):
    response = admin.post("/admin/sends/new/", {"newsletter": the_briefing.pk, "kind": "issue", "subject": ""})
    assert response.status_code == 200 and "Choose the issue to send." in response.content.decode()
    response = admin.post("/admin/sends/1/nonsense/")
    assert response.status_code == 404


def test_staff_read_the_demo_mailbox(admin, settings, tmp_path, client_for):
    box = mailbox.Maildir(str(tmp_path / "mailbox"), create=True)
    box.add(
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: Your sign-in link\r\n"
        b"Content-Type: text/html\r\n\r\n<p>Hello <script>alert(1)</script></p>\r\n"
    )
    settings.MAILBOX_DIR = str(tmp_path / "mailbox")
    listing = admin.get("/admin/mailbox/").content.decode()
    assert "Your sign-in link" in listing
    key = box.keys()[0]
    assert "b@example.com" in admin.get(f"/admin/mailbox/{key}/").content.decode()
    frame = admin.get(f"/admin/mailbox/{key}/html/")
    assert "sandbox" in frame["Content-Security-Policy"] and "script-src 'none'" in frame["Content-Security-Policy"]
    assert client_for("member").get("/admin/mailbox/").status_code in (302, 403)
    assert admin.get("/admin/mailbox/../../etc/passwd/").status_code == 404
