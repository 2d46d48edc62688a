from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from masthead.newsroom.navigation import nav_sections


def masthead(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_URL": settings.SITE_URL, "nav_sections": nav_sections()}
