"""Wagtail registrations for members: the account links and paywall actions on the site's pages.

Staff member tools live in their own module to keep files small.
"""

from __future__ import annotations

from typing import Any

from wagtail import hooks

from masthead.core.templatetags.slots import render_in
from masthead.members import wagtail_hooks_staff  # noqa: F401 - registers hooks on import


@hooks.register("slot:header-account")
def account_links(context: Any, **_: Any) -> str:
    return render_in(context, "members/includes/account_links.html")


@hooks.register("slot:paywall-actions", order=20)
def join_or_sign_in(context: Any, **_: Any) -> str:
    return render_in(context, "members/slots/paywall_actions.html")
