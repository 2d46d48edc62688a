"""Newsletters for the tests: "The Issue" (sent on issue publish) and "The Briefing", and helpers to subscribe personas."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from masthead.newsletters import services
from masthead.newsletters.models import Audience, Newsletter, Subscriber
from masthead.testing import builders


@pytest.fixture
def the_issue(db: Any) -> Newsletter:
    return Newsletter.objects.create(
        name="The Issue",
        slug="the-issue",
        sender_name="The Masthead Review",
        sender_email="newsletters@mag.example.com",
        audience=Audience.EVERYONE,
        default_on_signup=True,
        sends_new_issues=True,
    )


@pytest.fixture
def the_briefing(db: Any) -> Newsletter:
    return Newsletter.objects.create(
        name="The Briefing",
        slug="the-briefing",
        sender_name="The Masthead Review",
        sender_email="briefing@mag.example.com",
        reply_to="editors@mag.example.com",
        audience=Audience.EVERYONE,
    )


@pytest.fixture
def subscribe() -> Callable[..., Subscriber]:
    """subscribe(user, *newsletters): the reader confirmed their address and chose these."""

    def make(user: Any, *newsletters: Newsletter) -> Subscriber:
        subscriber = services.confirm_address(user=user, email=user.email)
        services.set_choices(subscriber=subscriber, newsletter_ids=[n.pk for n in newsletters], source="account", user=user)
        return subscriber

    return make


@pytest.fixture
def publish_issue(magazine: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """publish_issue(): a new issue carrying the magazine's public and subscriber articles, published now."""

    def publish(number: int = 7) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return builders.make_issue(
                builders.ensure_issue_index(magazine.home),
                volume=40,
                number=number,
                cover_date=date(2024, 4, 8),
                articles=[magazine.public_article, magazine.subscriber_article],
            )

    return publish


def decoded(message) -> str:
    """Every part of a received message, decoded (as_string() would re-encode 8-bit parts as base64)."""
    return "\n".join(str(part.get_content()) for part in message.walk() if not part.is_multipart())
