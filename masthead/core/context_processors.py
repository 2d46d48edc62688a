from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """The site's absolute address, for canonical links, OpenGraph and feeds."""
    return {"SITE_URL": settings.SITE_URL}
