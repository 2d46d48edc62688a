"""pytest fixtures shared by every app's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
    return Magazine(home, sections, author, public, members, subscriber, issue)


@pytest.fixture
def member(db: Any) -> Any:
    return get_user_model().objects.create_user("member", "member@example.com", "a-long-password-1")


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
