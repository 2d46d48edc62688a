"""Shared test set-up: a small magazine and the reader personas.

Personas (anonymous, member, subscriber, lapsed, refunded, editor, staff) are
fixtures so every behaviour test speaks of readers the same way. Until the
members app exists, "member" is a signed-in user and "staff" an admin.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("STATIC_NO_MANIFEST", "1")
os.environ.setdefault("TASKS_IMMEDIATE", "1")

pytest_plugins = [
    "masthead.testing.fixtures",
    "masthead.testing.browser",
    "masthead.testing.localstripe",
    "masthead.testing.redis",
    "masthead.testing.s3",
]
