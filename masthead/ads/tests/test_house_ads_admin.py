"""Staff create a house ad in the Wagtail admin; the form refuses one without image or text."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from masthead.ads.models import HouseAd

ADD = "/admin/snippets/ads/housead/add/"


def test_staff_create_an_ad_and_get_a_clear_error_for_an_empty_one(client: Client, db: Any) -> None:
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", None)
    client.force_login(admin)
    assert client.get(ADD).status_code == 200
    form = {"name": "Spring offer", "slot": "sidebar", "text": "", "link": "/billing/", "weight": "1", "active": "on"}
    response = client.post(ADD, form)
    assert response.status_code == 200
    assert "An ad needs an image or some text" in response.content.decode()
    assert not HouseAd.objects.exists()
    response = client.post(ADD, {**form, "text": "Half price this spring"})
    assert response.status_code == 302
    assert HouseAd.objects.get().text == "Half price this spring"
