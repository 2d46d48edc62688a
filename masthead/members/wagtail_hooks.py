"""Wagtail registrations for members: the account links and paywall actions on the site's pages.

Staff member tools live in their own module to keep files small.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from wagtail import hooks

from masthead.core import shells
from masthead.core.templatetags.slots import render_in
from masthead.members import wagtail_hooks_staff  # noqa: F401 - registers hooks on import

# (signed in, staff) -> the links; URLs do not change while a process runs.
_account_links: dict[tuple[bool, bool], str] = {}


@hooks.register("slot:header-account")
def account_links(context: Any, **_: Any) -> str:
    recorder = shells.recording()
    if recorder is not None:
        # In a page shell shared by every reader: each request fills its own (core.shells).
        return recorder.hole("account_links")
    return account_links_for(context["request"])


def account_links_for(request: HttpRequest) -> str:
    """The header's sign-in or account links: one of three snippets, rendered once per process.

    The template sees only `signed_in` and `staff`, so the output may be kept per pair.
    """
    user = request.user
    key = (bool(user.is_authenticated), bool(user.is_authenticated and user.is_staff))
    if key not in _account_links:
        _account_links[key] = render_to_string("members/includes/account_links.html", {"signed_in": key[0], "staff": key[1]})
    return _account_links[key]


hooks.register("reader_part:account_links", account_links_for)


@hooks.register("slot:paywall-actions", order=20)
def join_or_sign_in(context: Any, **_: Any) -> str:
    return render_in(context, "members/slots/paywall_actions.html")
