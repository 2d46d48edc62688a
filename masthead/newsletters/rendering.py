"""A send's email, rendered once per reading segment and personalised by substitution.

What a recipient may read comes from the gate (masthead.access.gate), asked
per recipient: decide_many(user, pages) gives one full/teaser answer per
article, and that tuple is the recipient's segment. The first recipient of a
segment has it rendered through reading_for_user (the gate hands over the
blocks); everyone after with the same answers reuses that rendering. Only what
differs per address (unsubscribe and preferences links) is substituted, as
tokens made unguessable per rendering, so article text can never collide with one.

HTML: MJML (tables that hold up in Outlook, Gmail and Apple Mail) through
mrml, then css-inline for the content styles; every URL absolute.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import css_inline
import mrml
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.utils.html import escape, strip_tags
from wagtail import hooks
from wagtail.rich_text import expand_db_html

from masthead.access import gate
from masthead.core.models import MagazineSettings
from masthead.newsletters.models import Send, SendKind

# Gmail clips HTML beyond ~102 kB; article text stops at this budget and the
# rest of the message links to the site ("continue reading"), so the footer and
# its unsubscribe link are never clipped.
TEXT_BUDGET = 60_000
GMAIL_CLIP_BYTES = 102_000
IMAGE_WIDTH = 552
LISTEN_HOOK = "masthead_listen_url"

_INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
_MRML_OPTIONS = mrml.RenderOptions(disable_comments=True, fonts={})


def absolute(url: str) -> str:
    if url.startswith(("http://", "https://", "mailto:")):
        return url
    if url.startswith("//"):
        return "https:" + url
    return settings.SITE_URL + ("" if url.startswith("/") else "/") + url


_RELATIVE = re.compile(r'(\s(?:href|src)=")(/[^"]*)"')


def absolutise(html: str) -> str:
    return _RELATIVE.sub(lambda m: f'{m[1]}{absolute(m[2])}"', html)


@dataclass
class Tokens:
    """Per-recipient placeholders, unique to one rendering."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def unsubscribe(self) -> str:
        return f"mhunsub{self.nonce}"

    @property
    def preferences(self) -> str:
        return f"mhprefs{self.nonce}"

    def all(self) -> list[str]:
        return [self.unsubscribe, self.preferences]


@dataclass
class Rendered:
    """One segment's message with its per-recipient tokens still in place."""

    subject: str
    html: str
    text: str
    tokens: Tokens
    key: tuple[bool, ...]

    def personalise(self, values: dict[str, str]) -> tuple[str, str]:
        html, text = self.html, self.text
        for token, value in values.items():
            html, text = html.replace(token, escape(value)), text.replace(token, value)
        return html, text


def pages_of(send: Send) -> list[Any]:
    """The live articles a send carries, in order."""
    if send.kind == SendKind.ARTICLE and send.article is not None and send.article.live:
        return [send.article.specific]
    if send.kind == SendKind.ISSUE and send.issue is not None:
        return list(send.issue.specific.contents())
    return []


def reader(user: Any) -> Any:
    return user if user is not None else AnonymousUser()


def segment_key(user: Any, pages: Sequence[Any]) -> tuple[bool, ...]:
    """The gate's answers for this recipient, one per article: the rendering they get."""
    return tuple(decision.full for decision in gate.decide_many(reader(user), list(pages)))


def listen_url(page: Any) -> str | None:
    for hook in hooks.get_hooks(LISTEN_HOOK):
        url = hook(page)
        if url:
            return absolute(str(url))
    return None


def _image(image: Any, spec: str = "width-1104") -> str:
    try:
        return absolute(str(image.get_rendition(spec).url))
    except Exception:  # noqa: BLE001 - a missing file must not stop a send; the text goes out without the photo
        return ""


def _block_html(block: Any) -> str:
    kind, value = block.block_type, block.value
    if kind == "paragraph":
        return absolutise(expand_db_html(value.source))
    if kind == "heading":
        return f"<h2>{escape(str(value))}</h2>"
    if kind == "pull_quote":
        who = f"<br>— {escape(value['attribution'])}" if value.get("attribution") else ""
        return f"<blockquote>{escape(value['quote'])}{who}</blockquote>"
    if kind == "image":
        src = _image(value["image"])
        if not src:
            return ""
        caption = " ".join(escape(part) for part in (value.get("caption"), value.get("credit")) if part)
        alt = escape(value.get("caption") or value["image"].title)
        img = f'<img src="{src}" alt="{alt}" width="{IMAGE_WIDTH}" style="width:100%;max-width:{IMAGE_WIDTH}px;height:auto">'
        return f'<p class="figure">{img}<br><span class="caption">{caption}</span></p>'
    if kind == "embed":
        url = getattr(value.get("embed"), "url", "")
        return f'<p><a href="{escape(url)}">{escape(value.get("caption") or url)}</a></p>' if url else ""
    return ""


def _block_text(block: Any) -> str:
    kind, value = block.block_type, block.value
    if kind == "paragraph":
        return strip_tags(expand_db_html(value.source)).strip()
    if kind == "heading":
        return str(value).upper()
    if kind == "pull_quote":
        return f"“{value['quote']}”"
    if kind == "image":
        return f"[Photo: {value.get('caption') or value['image'].title}]"
    return ""


@dataclass
class Item:
    page: Any
    url: str
    full: bool
    html: str
    text: str
    cut: bool  # the budget stopped the text: "continue reading"
    image: str
    listen: str | None
    section: str
    byline: str
    call: str  # what an unentitled reader is asked to do: "subscribe" / "sign in"


def _items(pages: Sequence[Any], user: Any) -> tuple[list[Item], tuple[bool, ...]]:
    items, budget = [], TEXT_BUDGET
    key = []
    for page in pages:
        reading = gate.reading_for_user(reader(user), page)
        key.append(reading.full)
        html_parts, text_parts, cut = [], [], False
        for block in reading.blocks:
            html = _block_html(block)
            if budget - len(html) < 0:
                cut = True
                break
            budget -= len(html)
            html_parts.append(html)
            text_parts.append(_block_text(block))
        section = page.get_parent().specific.title if page.get_parent() else ""
        items.append(
            Item(
                page=page,
                url=absolute(page.url or ""),
                full=reading.full,
                html="\n".join(p for p in html_parts if p),
                text="\n\n".join(p for p in text_parts if p),
                cut=cut,
                image=_image(page.hero_image, "fill-1104x621") if page.hero_image else "",
                listen=listen_url(page),
                section=section,
                byline=", ".join(a.title for a in page.authors),
                call="sign in" if page.access == "members" else "subscribe",
            )
        )
    return items, tuple(key)


def _wrap_long_lines(html: str, limit: int = 600) -> str:
    """SMTP lines stop at 998 bytes: break between tags, where a newline changes nothing a reader sees."""
    out = []
    for line in html.split("\n"):
        while len(line.encode()) > limit:
            cut = line.rfind("><", 0, limit)
            if cut <= 0:
                cut = line.rfind(" ", 0, limit)
            if cut <= 0:
                break
            out.append(line[: cut + 1])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def render(send: Send, user: Any, *, web: bool = False) -> Rendered:
    """The message for this recipient's segment (tokens in place of per-recipient links)."""
    from masthead.newsletters.models import Newsletter

    newsletter: Newsletter = send.newsletter
    items, key = _items(pages_of(send), user)
    tokens = Tokens()
    issue = send.issue.specific if send.kind == SendKind.ISSUE and send.issue else None
    intro = absolutise(expand_db_html(send.body)) if send.body else ""
    context = {
        "send": send,
        "newsletter": newsletter,
        "magazine": MagazineSettings.current().name,
        "site_url": settings.SITE_URL,
        "items": items,
        "issue": issue,
        "issue_url": absolute(issue.url) if issue is not None and issue.url else "",
        "cover": _image(issue.cover_image, "width-600") if issue is not None and issue.cover_image else "",
        "intro": intro,
        "intro_text": strip_tags(intro).strip(),
        "preheader": items[0].page.dek if items and items[0].page.dek else strip_tags(intro)[:140],
        "unsubscribe_url": tokens.unsubscribe,
        "preferences_url": tokens.preferences,
        "web": web,
    }
    source = render_to_string("newsletters/email/message.mjml", context)
    html = mrml.to_html(source, render_options=_MRML_OPTIONS).content
    html = _wrap_long_lines(_INLINER.inline(html))
    text = re.sub(r"\n{3,}", "\n\n", str(render_to_string("newsletters/email/message.txt", context))).strip() + "\n"
    return Rendered(subject=send.subject, html=html, text=text, tokens=tokens, key=key)


class SegmentCache:
    """Renderings of one send in one worker, by the gate's answers."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.pages = pages_of(send)
        self._by_key: dict[tuple[bool, ...], Rendered] = {}

    def for_user(self, user: Any) -> Rendered:
        key = segment_key(user, self.pages)
        rendered = self._by_key.get(key)
        if rendered is None:
            rendered = render(self.send, user)
            # The rendering asked the gate itself; if its answers moved since decide_many (a grant ended
            # this instant), its own answers are the ones the text obeys, so file it under those.
            self._by_key[rendered.key] = rendered
            if rendered.key != key:
                return rendered
        return rendered
