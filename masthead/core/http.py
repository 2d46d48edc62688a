"""Request types shared by every app's views."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """The request a @login_required view receives: ``request.user`` is a real User.

    Annotating such a view's request with this type tells mypy what the
    decorator guarantees, instead of narrowing ``User | AnonymousUser`` by hand.
    """

    user: User
