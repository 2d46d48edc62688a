"""Podcast feeds of article narrations: one public, one private per subscriber.

The public feed (/podcast/public.xml) carries only audio every anonymous
reader may hear: free articles in full. The private feed
(/feeds/private/<token>/podcast.xml) is a bearer URL for one subscriber; its
enclosures and transcripts live under the same token, because podcast apps
fetch without a session. A token stops working (410) when it is rotated or
revoked, and for good once it is used while the reader has no access or was
issued before the reader's present stretch of access (feed_tokens.py), even
if no revocation signal arrived.

Tags follow Apple's Podcasts Connect requirements (itunes:image, category,
explicit, language, author, owner; enclosure url/length/type) and the
Podcasting 2.0 namespace (podcast:guid, podcast:transcript, podcast:locked).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesImpl

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from masthead.access import entitlements, gate
from masthead.access.levels import AccessLevel
from masthead.core import branding
from masthead.core.models import MagazineSettings
from masthead.core.pagecache import mark_shared_cacheable
from masthead.narration import feed_tokens, transcripts
from masthead.narration.listening import FULL, TEASER, anonymous_full, is_public, narration_model, ready_narrations
from masthead.narration.models import PodcastToken
from masthead.narration.views import refused, send_audio, send_transcript
from masthead.newsroom.models import ArticlePage

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
# The Podcasting 2.0 namespace's fixed UUIDv5 namespace for podcast:guid.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
FEED_SIZE = 100
PUBLIC_FEED_MAX_AGE = 300


@dataclass(frozen=True)
class Episode:
    guid: str
    title: str
    link: str
    description: str
    author: str
    published: datetime
    audio_url: str
    length: int
    duration_seconds: int
    transcript_url: str
    transcript_type: str
    # The issue the article appeared in, as a season: podcast apps group an issue's articles together.
    season: int | None = None
    season_name: str = ""


@dataclass(frozen=True)
class Show:
    title: str
    link: str
    feed_url: str
    guid_source: str
    description: str
    image_url: str
    author: str
    owner_name: str
    owner_email: str
    locked: bool


def podcast_guid(feed_url: str) -> str:
    """podcast:guid per the namespace: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path


def _published(page: Any) -> datetime:
    if page.first_published_at and page.first_published_at.date() == page.date:
        return page.first_published_at
    return timezone.make_aware(datetime.combine(page.date, time(6, 0)), timezone.get_default_timezone())


def _magazine(request: HttpRequest) -> Any:
    return MagazineSettings.current(request)


def episode(page: Any, narration: Any, *, audio_path: str, transcript_path: str) -> Episode:
    _, transcript_type = transcripts.transcript_format(narration)
    title = page.title if narration.variant == FULL else f"{page.title} (preview)"
    return Episode(
        # One episode per article for ever: a re-narration replaces the enclosure, not the episode.
        guid=f"{settings.SITE_URL}/?p={page.pk}#audio",
        title=title,
        link=page.get_full_url() or _absolute(page.url or "/"),
        description=page.dek or page.title,
        author=", ".join(author.title for author in page.authors),
        published=_published(page),
        audio_url=_absolute(audio_path),
        length=int(narration.size_bytes or narration.audio.size),
        duration_seconds=max(1, round((narration.duration_ms or 0) / 1000)),
        transcript_url=_absolute(transcript_path),
        transcript_type=transcript_type,
    )


def render_feed(show: Show, episodes: Iterable[Episode]) -> bytes:
    out = io.StringIO()
    xml = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()

    def start(name: str, attrs: dict[str, str] | None = None) -> None:
        xml.startElement(name, AttributesImpl(attrs or {}))

    def element(name: str, text: str | None = None, attrs: dict[str, str] | None = None) -> None:
        start(name, attrs)
        if text is not None:
            xml.characters(text)
        xml.endElement(name)

    start(
        "rss",
        {"version": "2.0", "xmlns:itunes": ITUNES_NS, "xmlns:podcast": PODCAST_NS, "xmlns:atom": ATOM_NS},
    )
    start("channel")
    element("title", show.title)
    element("link", show.link)
    element("atom:link", attrs={"href": show.feed_url, "rel": "self", "type": "application/rss+xml"})
    element("description", show.description[:4000])
    element("language", settings.LANGUAGE_CODE.split("-")[0])
    element("itunes:author", show.author)
    start("itunes:owner")
    element("itunes:name", show.owner_name)
    element("itunes:email", show.owner_email)
    xml.endElement("itunes:owner")
    element("itunes:image", attrs={"href": show.image_url})
    start("image")
    element("url", show.image_url)
    element("title", show.title)
    element("link", show.link)
    xml.endElement("image")
    start("itunes:category", {"text": settings.PODCAST_CATEGORY})
    if settings.PODCAST_SUBCATEGORY:
        element("itunes:category", attrs={"text": settings.PODCAST_SUBCATEGORY})
    xml.endElement("itunes:category")
    element("itunes:explicit", "false")
    element("itunes:type", "episodic")
    element("podcast:guid", podcast_guid(show.guid_source))
    element("podcast:locked", "yes" if show.locked else "no", {"owner": show.owner_email})
    if show.locked:
        element("itunes:block", "Yes")
    for item in episodes:
        start("item")
        element("title", item.title)
        element("link", item.link)
        element("guid", item.guid, {"isPermaLink": "false"})
        element("pubDate", format_datetime(item.published))
        element("description", item.description)
        element("itunes:author", item.author or show.author)
        element("itunes:duration", str(item.duration_seconds))
        element("itunes:explicit", "false")
        element("itunes:episodeType", "full")
        element("enclosure", attrs={"url": item.audio_url, "length": str(item.length), "type": "audio/mpeg"})
        element("podcast:transcript", attrs={"url": item.transcript_url, "type": item.transcript_type, "language": "en"})
        if item.season:
            element("itunes:season", str(item.season))
            element("podcast:season", str(item.season), {"name": item.season_name} if item.season_name else None)
        xml.endElement("item")
    xml.endElement("channel")
    xml.endElement("rss")
    xml.endDocument()
    return out.getvalue().encode("utf-8")


def _recent_articles(*, public_only: bool = False) -> list[Any]:
    # The body is the heaviest column and feeds carry no article text.
    pages = ArticlePage.objects.live().defer("body").newest_first()
    if public_only:
        pages = pages.filter(access=AccessLevel.PUBLIC)
    return list(pages.prefetch_related("article_authors__author")[:FEED_SIZE])


def _show(request: HttpRequest, *, private: bool, feed_path: str) -> Show:
    magazine = _magazine(request)
    name = magazine.name
    return Show(
        title=f"{name} — subscriber audio" if private else f"{name} — listen",
        link=settings.SITE_URL + "/",
        feed_url=_absolute(feed_path),
        # The private feed's guid must not change when a token rotates or differ per reader.
        guid_source=_absolute("/feeds/private/podcast.xml") if private else _absolute(feed_path),
        description=(
            f"Every article of {name}, read aloud, for subscribers."
            if private
            else f"Free articles from {name}, read aloud. {magazine.tagline}".strip()
        ),
        # Drawn from the brand set in the admin (core.branding): a new logo or colour gives a new URL.
        image_url=branding.podcast_cover_url(request),
        author=magazine.publisher or name,
        owner_name=magazine.publisher or name,
        owner_email=settings.PODCAST_OWNER_EMAIL,
        locked=private,
    )


def _feed_response(body: bytes, *, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/rss+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store" if private else f"public, max-age={PUBLIC_FEED_MAX_AGE}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "HEAD"])
def public_feed(request: HttpRequest) -> HttpResponse:
    # Only articles every anonymous reader may read in full; a gated article's
    # teaser would be a cliff-hanger episode, so it is left out entirely.
    # The database narrows to public articles; the gate still has the last word on each.
    pages = [page for page in _recent_articles(public_only=True) if anonymous_full(page)]
    chosen = ready_narrations(pages, FULL)
    episodes = []
    for page in pages:
        narration = chosen.get(page.pk)
        if narration is None or not is_public(narration):
            continue
        episodes.append(
            episode(
                page,
                narration,
                audio_path=transcripts.audio_path(narration),
                transcript_path=transcripts.transcript_path(narration),
            )
        )
    response = _feed_response(
        render_feed(_show(request, private=False, feed_path=reverse("podcast:public")), episodes), private=False
    )
    # The same bytes for every podcast app: the anonymous page cache may keep it
    # (publishing and finished narration jobs empty that cache).
    return mark_shared_cacheable(response)


# --- The private feed -------------------------------------------------------


class FeedGone(Exception):
    pass


def _reader_for(token: str) -> Any:
    """The subscriber behind a feed token; 404 if unknown, 410 if it no longer works."""
    found = PodcastToken.objects.select_related("user").filter(token=token).first()
    if found is None:
        raise Http404("No such feed.")
    user = found.user
    if found.is_revoked or not user.is_active:
        raise FeedGone
    if not entitlements.is_subscriber(user) or not feed_tokens.from_present_access(found):
        # Seen during a lapse, or kept through one: this URL never works again, even after resubscribing.
        feed_tokens.retire(found, reason=feed_tokens.LAPSED)
        raise FeedGone
    return user


def _gone() -> HttpResponse:
    response = HttpResponse(
        "This private feed no longer works. Sign in to your account for a new one.",
        status=410,
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


def issue_seasons(pages: list[Any]) -> dict[int, tuple[int, str]]:
    """article pk → (season number, name) of the published issue it appeared in (the newest, if several).

    The season number is volume × 100 + number (Vol. 40, No. 7 → 4007): unique, growing, and non-zero as Apple requires.
    """
    from masthead.newsroom.models import IssueArticle

    rows = (
        IssueArticle.objects.filter(article_id__in=[page.pk for page in pages], issue__live=True)
        .select_related("issue")
        .order_by("issue__cover_date")
    )
    seasons: dict[int, tuple[int, str]] = {}
    for row in rows:
        issue = row.issue
        seasons[row.article_id] = (issue.volume * 100 + issue.number, f"Vol. {issue.volume}, No. {issue.number} — {issue.title}")
    return seasons


def _token_paths(token: str, narration: Any) -> tuple[str, str]:
    ext, _ = transcripts.transcript_format(narration)
    return (
        reverse("podcast:private-audio", args=[token, narration.pk, transcripts.audio_filename(narration)]),
        reverse("podcast:private-transcript", args=[token, narration.pk, ext]),
    )


@require_http_methods(["GET", "HEAD"])
def private_feed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = _reader_for(token)
    except FeedGone:
        return _gone()
    pages = _recent_articles()
    # The gate's decisions without building each article's blocks (the feed carries no text), all at once.
    full_for = {page.pk: decision.full for page, decision in zip(pages, gate.decide_many(user, pages), strict=True)}
    full = ready_narrations([p for p in pages if full_for[p.pk]], FULL)
    teaser = ready_narrations(pages, TEASER)
    seasons = issue_seasons(pages)
    episodes = []
    for page in pages:
        narration = (full.get(page.pk) if full_for[page.pk] else None) or teaser.get(page.pk)
        if narration is None:
            continue
        audio_path, transcript_path = _token_paths(token, narration)
        item = episode(page, narration, audio_path=audio_path, transcript_path=transcript_path)
        if page.pk in seasons:
            item = replace(item, season=seasons[page.pk][0], season_name=seasons[page.pk][1])
        episodes.append(item)
    show = _show(request, private=True, feed_path=reverse("podcast:private", args=[token]))
    return _feed_response(render_feed(show, episodes), private=True)


def _token_narration(token: str, pk: int) -> tuple[Any, Any]:
    user = _reader_for(token)
    narration = get_object_or_404(narration_model().objects.select_related("page"), pk=pk, status="ready")
    if not narration.audio:
        raise Http404("This narration has no audio file.")
    return user, narration


def _may_hear_by_token(user: Any, narration: Any) -> bool:
    if not narration.page.live:
        return False
    return is_public(narration) or gate.reading_for_user(user, narration.page).full


@require_http_methods(["GET", "HEAD"])
def private_audio(request: HttpRequest, token: str, pk: int, filename: str) -> HttpResponseBase:
    try:
        user, narration = _token_narration(token, pk)
    except FeedGone:
        return _gone()
    if filename != transcripts.audio_filename(narration):
        raise Http404("No such audio file.")
    if not _may_hear_by_token(user, narration):
        return refused(narration)
    return send_audio(request, narration)


@require_http_methods(["GET", "HEAD"])
def private_transcript(request: HttpRequest, token: str, pk: int, ext: str) -> HttpResponse:
    try:
        user, narration = _token_narration(token, pk)
    except FeedGone:
        return _gone()
    if not _may_hear_by_token(user, narration):
        return refused(narration)
    return send_transcript(narration, ext)
