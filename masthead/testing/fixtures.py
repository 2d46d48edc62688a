"""pytest fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from masthead.testing import builders

# Text that appears only after the preview marker of gated articles: if it
# reaches a reader who is not entitled, the gate leaked.
SECRET_MARKER = "SECRET-AFTER-THE-CUT-7f3a"


@dataclass
class Magazine:
    home: Any
    sections: dict[str, Any]
    author: Any
    public_article: Any
    members_article: Any
    subscriber_article: Any
    issue: Any


@pytest.fixture(autouse=True)
def _every_test_starts_with_an_empty_cache() -> Iterator[None]:
    """The local-memory cache outlives a test, and primary keys are reused after a
    rollback: without this, one test's cached pages leak into the next, and results
    depend on test order. (Throttle counts live in the database, which each test's
    rollback or flush empties; a Redis test gets a fresh server per module.)"""
    from django.conf import settings
    from django.core.cache import caches

    from masthead.core import cachetags, pagestore

    for alias in settings.CACHES:
        caches[alias].clear()
    # Page entries live in this process's memory tier, outside Django's caches.
    pagestore.clear()
    cachetags.forget_sitewide()
    yield
    pagestore.clear()
    cachetags.forget_sitewide()


@pytest.fixture(autouse=True)
def _private_files_in_a_temporary_directory(settings: Any, tmp_path: Any) -> None:
    """Private files (narrations, editions) go to the test's own directory, never the checkout's var/."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"


@pytest.fixture
def magazine(db: Any, settings: Any, tmp_path: Any) -> Magazine:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path / "var"
    home = builders.ensure_home()
    sections = {title: builders.ensure_section(home, title) for title in builders.SECTIONS}
    author = builders.ensure_author(home, "Angeline Tan", role="Foreign correspondent", bio="<p>Covers Russia.</p>")
    politics = sections["Politics"]
    public = builders.make_article(
        politics,
        "A Public Report",
        authors=[author],
        dek="Everyone may read this one.",
        paragraphs=["The first public paragraph.", "The second public paragraph."],
        on=date(2024, 3, 28),
        hero_image=builders.make_image("Peskov"),
        hero_caption="Dmitry Peskov",
        hero_credit="AP Images",
    )
    members = builders.make_article(
        politics,
        "A Members Briefing",
        authors=[author],
        dek="Free with an account.",
        paragraphs=["Members preview paragraph.", f"Members body {SECRET_MARKER}."],
        access="members",
        preview_after=1,
        on=date(2024, 3, 27),
    )
    subscriber = builders.make_article(
        sections["Finance"],
        "A Subscriber Investigation",
        authors=[author],
        dek="The standfirst of the investigation.",
        paragraphs=["Preview paragraph anyone may read.", f"Paid paragraph {SECRET_MARKER}.", "Another paid paragraph."],
        access="subscribers",
        preview_after=1,
        on=date(2024, 3, 26),
    )
    issue = builders.make_issue(
        builders.ensure_issue_index(home), volume=40, number=6, cover_date=date(2024, 3, 25), articles=[public, subscriber]
    )
    # Tests see a hard paywall unless they turn the meter on (set_meter below):
    # "anonymous never sees the paid text" then holds without spending reads.
    from masthead.access.models import PaywallSettings

    paywall = PaywallSettings.for_site(home.get_site())
    paywall.free_articles_per_30_days = 0
    paywall.save()
    return Magazine(home, sections, author, public, members, subscriber, issue)


@pytest.fixture
def set_meter(magazine: Magazine) -> Callable[[int], None]:
    """set_meter(n): anonymous and free readers get n subscriber articles per 30 days."""
    from masthead.access.models import PaywallSettings

    def set_to(n: int) -> None:
        paywall = PaywallSettings.for_site(magazine.home.get_site())
        paywall.free_articles_per_30_days = n
        paywall.save()

    return set_to


@pytest.fixture
def member(db: Any) -> Any:
    return get_user_model().objects.create_user("member", "member@example.com", "a-long-password-1")


def _user(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username, f"{username}@example.com", "a-long-password-1", **extra)


def _subscribed(username: str, *, started_days_ago: int, ends_in_days: int, note: str) -> Any:
    """A persona with one digital subscription, dated relative to now (reference sub_persona_<username>)."""
    from django.utils import timezone

    from masthead.access import services

    user = _user(username)
    now = timezone.now()
    services.grant_access(
        user=user,
        kind="subscription",
        reference=f"sub_persona_{username}",
        starts_at=now - timedelta(days=started_days_ago),
        ends_at=now + timedelta(days=ends_in_days),
        note=note,
    )
    return user


@pytest.fixture
def subscriber(db: Any) -> Any:
    """An active paid subscription (digital), renewing in a month."""
    return _subscribed("subscriber", started_days_ago=10, ends_in_days=20, note="Digital, monthly")


@pytest.fixture
def lapsed(db: Any) -> Any:
    """Subscribed for a year; the subscription ended yesterday."""
    return _subscribed("lapsed", started_days_ago=366, ends_in_days=-1, note="Digital, annual")


@pytest.fixture
def refunded(db: Any) -> Any:
    """Subscribed last week, then claimed the money-back guarantee: access revoked."""
    from masthead.access import services

    user = _subscribed("refunded", started_days_ago=7, ends_in_days=23, note="Digital, monthly")
    services.end_access(kind="subscription", reference="sub_persona_refunded", reason="refunded")
    return user


PERSONAS = ("anonymous", "member", "subscriber", "lapsed", "refunded", "editor", "staff")


@pytest.fixture
def client_for(request: Any, client: Any) -> Callable[[Any], Any]:
    """client_for("subscriber") (or a user, or "anonymous"/None): a test client signed in as that reader."""
    from django.test import Client

    def make(persona: Any) -> Any:
        if persona is None or persona == "anonymous":
            return Client()
        user = request.getfixturevalue(persona) if isinstance(persona, str) else persona
        signed_in = Client()
        signed_in.force_login(user)
        return signed_in

    return make


@pytest.fixture
def staff(db: Any) -> Any:
    return get_user_model().objects.create_user("staff", "staff@example.com", "a-long-password-1", is_staff=True)


@pytest.fixture
def editor(db: Any) -> Any:
    user = get_user_model().objects.create_user("editor", "editor@example.com", "a-long-password-1", is_staff=True)
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name="Editors").first()
    if group:
        user.groups.add(group)
    return user


from masthead.testing.smtp import smtp_server  # noqa: E402, F401  (a fixture every app may use)
