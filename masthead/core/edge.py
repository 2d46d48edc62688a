"""The edge cache (Varnish, deploy/varnish/) in front of the app: what it may keep, and telling it to let go.

A response the page cache stores (the same for every anonymous reader) gets

    Cache-Control: public, max-age=<PAGE_CACHE_BROWSER_SECONDS>   browsers revalidate soon
    Surrogate-Control: max-age=<EDGE_CACHE_SECONDS>               only our edge keeps it longer
    xkey: site page-12 list-home ...                              what to purge it by

Everything personal says `Cache-Control: private, no-store` and carries no
Surrogate-Control; the VCL stores nothing without Surrogate-Control, so a
response the app did not mark is never kept at the edge. Varnish strips
Surrogate-Control and xkey before answering readers.

Publishing sends `PURGE` with an `xkey-purge: <tags>` header to each URL in
EDGE_PURGE_URLS after the commit (masthead/core/cachetags.purge). A failed
purge is logged; the edge then serves the old page until EDGE_CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpResponse

log = logging.getLogger(__name__)

TAGS_HEADER = "xkey"
PURGE_HEADER = "xkey-purge"
PURGE_TIMEOUT_SECONDS = 3.0


def mark_shared(response: HttpResponse, tags: Sequence[str]) -> None:
    """Headers that let the edge keep this (already shared-cacheable) response and purge it by tag."""
    response["Surrogate-Control"] = f"max-age={settings.EDGE_CACHE_SECONDS}"
    response[TAGS_HEADER] = " ".join(tags)


def purge(tags: Sequence[str]) -> None:
    """Tell every configured edge to drop what carries any of these tags. Never raises."""
    for url in settings.EDGE_PURGE_URLS:
        request = urllib.request.Request(url, method="PURGE", headers={PURGE_HEADER: " ".join(tags)})  # noqa: S310 (our own edge, from settings)
        try:
            with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT_SECONDS) as response:  # noqa: S310
                response.read()
        except (urllib.error.URLError, OSError) as exc:
            # The publish itself succeeded; only the edge copy may be stale for up to EDGE_CACHE_SECONDS.
            log.error("edge purge of %s at %s failed: %s", " ".join(tags), url, exc)
