"""Sessions and users are read by plain SQL on every signed-in request (masthead/core/sessions.py,
masthead/core/auth.py); signing out, a changed password and a closed account still end access at once."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone


def _signed_in(client, magazine):
    html = client.get(magazine.public_article.url).content.decode()
    return ">Account</a>" in html


def _copy(client):
    other = Client()
    other.cookies["sessionid"] = client.cookies["sessionid"].value
    return other


def test_a_signed_in_reader_stays_signed_in(client_for, magazine):
    reader = client_for("member")
    assert _signed_in(reader, magazine) and _signed_in(reader, magazine)


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(client_for, magazine):
    reader = client_for("member")
    stolen = _copy(reader)
    assert _signed_in(stolen, magazine)
    reader.logout()
    assert not _signed_in(stolen, magazine)


def test_a_changed_password_signs_out_other_sessions(client_for, magazine, member):
    reader = client_for(member)
    assert _signed_in(reader, magazine)
    member.set_password("another-long-password-2")
    member.save()
    assert not _signed_in(reader, magazine)


def test_a_closed_account_is_signed_out(client_for, magazine, member):
    reader = client_for(member)
    assert _signed_in(reader, magazine)
    member.is_active = False
    member.save()
    assert not _signed_in(reader, magazine)


def test_an_expired_session_is_not_honoured(client_for, magazine):
    reader = client_for("member")
    key = reader.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not _signed_in(reader, magazine)


def test_sessions_from_before_the_fast_backend_keep_working(client_for, magazine, member):
    reader = Client()
    reader.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    assert _signed_in(reader, magazine)
