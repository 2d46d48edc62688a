"""The questions the rest of the code asks about a reader — and the only answers.

Billing, fulfilment, ads, narration, editions and the gate never look at
Stripe or at Grant rows themselves: they ask here. Each answer is one indexed
query (or none: staff and anonymous readers are answered without the database).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.db import connections, router
from django.utils import timezone

from masthead.access.levels import AccessLevel
from masthead.access.models import Grant, GrantQuerySet
from masthead.core.db import hot_cursor

if TYPE_CHECKING:
    from masthead.access.gate import GatedPage


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "pk", None) is not None


def active_grants(user: Any, at: datetime | None = None) -> GrantQuerySet:
    """The reader's grants in force at `at` (now), newest first."""
    if not signed_in(user):
        return Grant.objects.none()
    return Grant.objects.filter(user_id=user.pk).active(at)


# user pk → has an active grant now; set only inside one_answer_per_reader().
_answers: ContextVar[dict[Any, bool] | None] = ContextVar("masthead_grant_answers", default=None)


@contextmanager
def one_answer_per_reader() -> Iterator[None]:
    """Inside this block each reader's grants are looked up once, not once per article.

    For one response that decides many articles for one reader (a private feed
    of 100 episodes). Kept that short on purpose: a grant that ends during the
    block is seen by the next request, never later.
    """
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def forget(user_pk: Any) -> None:
    """A grant of this reader was written: the next question in this block asks the database again."""
    answers = _answers.get()
    if answers is not None:
        answers.pop(user_pk, None)


def _has_grant_now(user_pk: Any) -> bool:
    """active_grants(user).exists() for this moment, as plain SQL.

    Every signed-in page asks this; building the query through the ORM cost
    more CPU than running it (a third of a subscriber's cached page). The
    conditions are GrantQuerySet.active()'s, and a test holds the two equal.
    """
    using = router.db_for_read(Grant)
    connection = connections[using]
    table = connection.ops.quote_name(Grant._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with hot_cursor(connection) as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE user_id = %s AND revoked_at IS NULL AND starts_at <= %s"  # noqa: S608 (table name from the model)
            " AND (ends_at IS NULL OR ends_at > %s) LIMIT 1",
            [user_pk, now, now],
        )
        return cursor.fetchone() is not None


def has_active_grant(user: Any, at: datetime | None = None) -> bool:
    if not signed_in(user):
        return False
    if at is not None:
        return active_grants(user, at).exists()
    answers = _answers.get()
    if answers is None:
        return _has_grant_now(user.pk)
    if user.pk not in answers:
        answers[user.pk] = _has_grant_now(user.pk)
    return answers[user.pk]


def is_subscriber(user: Any) -> bool:
    """May read subscriber articles in full right now (staff always may)."""
    if getattr(user, "is_staff", False) and signed_in(user):
        return True
    return has_active_grant(user)


def is_ad_free(user: Any) -> bool:
    """Ad slots stay empty for anyone with access (the offer promises ad-free) and for staff."""
    return is_subscriber(user)


# Grants this close count as one stretch of access: a plan change ends one grant
# and starts the next in two writes, milliseconds apart.
CONTINUITY_SLACK = timedelta(minutes=1)


def access_unbroken_since(user: Any, at: datetime | None = None) -> datetime | None:
    """When the reader's present, unbroken stretch of subscriber access began; None without access at `at`.

    Grants that overlap, or follow one another within CONTINUITY_SLACK, make one
    stretch; a longer gap ends it. A lapse sends no event, but it always shows
    here, so what was issued before this moment (a private feed URL) can be
    refused for good once the reader resubscribes. A revoked grant covered its
    window only up to the revocation. Staff read without grants: their stretch
    began when they joined.
    """
    if not signed_in(user):
        return None
    if getattr(user, "is_staff", False):
        return cast(datetime, user.date_joined)
    at = at or timezone.now()
    windows: list[tuple[datetime, datetime | None]] = []
    since: datetime | None = None
    rows = Grant.objects.filter(user_id=user.pk, starts_at__lte=at).values_list("starts_at", "ends_at", "revoked_at")
    for starts_at, ends_at, revoked_at in rows:
        ends = [moment for moment in (ends_at, revoked_at) if moment is not None]
        windows.append((starts_at, min(ends) if ends else None))
        if revoked_at is None and (ends_at is None or ends_at > at):  # in force now, as Grant.active() says
            since = starts_at if since is None else min(since, starts_at)
    if since is None:
        return None
    # Back through every earlier grant that reaches the start of the stretch found so far.
    reached_back = True
    while reached_back:
        reached_back = False
        for starts_at, ends_at in windows:
            if starts_at < since and (ends_at is None or ends_at + CONTINUITY_SLACK >= since):
                since, reached_back = starts_at, True
    return since


def has_digital_edition(user: Any) -> bool:
    """May download the digital edition (EPUB, PDF, audio edition): every subscriber plan, and staff."""
    return is_subscriber(user)


def gets_print(user: Any, at: datetime | None = None) -> bool:
    """Receives the print edition: an active grant that includes print."""
    return signed_in(user) and active_grants(user, at).filter(includes_print=True).exists()


def can_read(user: Any, page: GatedPage) -> bool:
    """Whether this reader may read the whole article, ignoring the meter.

    public: everyone; members: any signed-in account; subscribers: an active
    grant. Staff read everything (editors check what they published).
    """
    access = page.access
    if access == AccessLevel.PUBLIC:
        return True
    if not signed_in(user):
        return False
    if user.is_staff or access == AccessLevel.MEMBERS:
        return True
    return has_active_grant(user)
