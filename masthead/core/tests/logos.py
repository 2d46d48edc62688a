"""A publisher in the admin with a logo to upload: shared by the logo tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from masthead.core.models import MagazineSettings

BLUE = (20, 60, 120)
# Wide, like a masthead: a blue bar with a white rule. Only width and height: the upload gains a viewBox.
LOGO = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100">
  <title>The Masthead Review</title>
  <rect width="400" height="100" fill="#143c78"/>
  <rect x="20" y="70" width="360" height="8" fill="#ffffff"/>
</svg>
"""


@pytest.fixture
def chief(client: Any, django_user_model: Any) -> Any:
    client.force_login(django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-password-1"))
    return client


def upload(client: Any, name: str, content: bytes) -> Any:
    """The admin's "Add an image" form, as a publisher fills it in."""
    return client.post(
        reverse("wagtailimages:add"),
        {"title": "Logo", "file": SimpleUploadedFile(name, content, content_type="image/svg+xml")},
    )


def choose_logo(client: Any, magazine: Any, image: Any) -> None:
    """Settings → Magazine settings, the Brand panel's logo chooser, saved."""
    site = magazine.home.get_site()
    current = MagazineSettings.for_site(site)
    form = {
        field: getattr(current, field)
        for field in ("name", "tagline", "publisher", "twitter_handle", "issues_per_year", "guarantee_days")
    }
    form.update(logo=image.pk, accent_colour=current.accent_colour, accent_dark_colour=current.accent_dark_colour)
    response = client.post(reverse("wagtailsettings:edit", args=["core", "magazinesettings", site.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
