"""EPUB 3 with Media Overlays: every article as XHTML, every narrated article with a SMIL read-along.

EbookLib holds the book (metadata, manifest, spine, navigation, NCX); a small
writer subclass changes what its defaults get wrong for us (measured in
/work/shared/research/editions.md §2.4): ``xml:lang`` on <package> (Ace
``epub-lang``), no generated page-list (``epub-pagelist-broken``), a UTC
``dcterms:modified``, and audio/images copied from disk into the zip unrecompressed
instead of held in memory and deflated. The colophon is the last entry of the
zip, so a per-reader copy swaps it without touching the rest (editions.stamping).

Read-along: narration stores, per paragraph, the StreamField block id and when
it is spoken. Each article's XHTML gives every block an id (``b-<block id>``,
plus ``headline``/``standfirst``/``byline``), so one <par> per timed segment
points at the element and at a clip of the article's MP3. Only a narration of
the article's live revision is used: an older one would highlight text it does not say.
"""

from __future__ import annotations

import uuid
import zipfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from ebooklib import epub
from lxml import etree
from lxml import html as lxml_html

from masthead.editions.builders import BuildError, Built
from masthead.editions.builders.content import ArticleContent, Block, IssueContent, NarrationRef, Workspace

# 1200 px on the long side: wider than the text column of the common e-readers (1072–1264 px screens), and
# exactly half of a 2400 px photograph, which libjpeg decodes at half size directly (builders.content
# .edition_rendition): a first build's renditions then cost ~20 ms a photo instead of ~130 ms at 1400 px.
IMAGE_MAX_PX = 1200
ACTIVE_CLASS = "-epub-media-overlay-active"
HEADER_IDS = ("headline", "standfirst", "byline")
COLOPHON_NAME = "text/colophon.xhtml"
XHTML_NS = "http://www.w3.org/1999/xhtml"

CSS = f"""
body {{ font-family: serif; line-height: 1.5; margin: 0 5%; }}
h1, h2, h3, .kicker, .byline, figcaption, .toc {{ font-family: sans-serif; }}
h1 {{ font-size: 1.7em; line-height: 1.2; margin: 0.6em 0 0.3em; }}
h2 {{ font-size: 1.25em; margin: 1.4em 0 0.4em; }}
.kicker {{ text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.8em; color: #8a1c1c; margin: 1em 0 0; }}
.dek {{ font-size: 1.15em; font-style: italic; margin: 0 0 0.6em; }}
.byline {{ font-size: 0.85em; color: #444; }}
figure {{ margin: 1em 0; }}
figure img {{ max-width: 100%; height: auto; display: block; }}
figcaption {{ font-size: 0.8em; color: #333; margin-top: 0.3em; }}
.credit {{ color: #666; }}
blockquote {{ font-size: 1.2em; font-style: italic; margin: 1em 1.5em; }}
blockquote footer {{ font-size: 0.8em; font-style: normal; }}
.cover {{ text-align: center; }}
.cover img {{ max-width: 100%; max-height: 95vh; }}
.cover-lines {{ list-style: none; padding: 0; font-family: sans-serif; }}
.colophon {{ font-size: 0.9em; }}
.{ACTIVE_CLASS}, .-epub-media-overlay-active {{ background-color: #fff3b0; color: #000; }}
"""

XHTML_TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="{lang}" lang="{lang}">
<head>
<meta charset="utf-8"/>
<title>{title}</title>
<link rel="stylesheet" type="text/css" href="../css/edition.css"/>
</head>
<body>
{body}
</body>
</html>
"""


def clock(ms: int) -> str:
    """A SMIL clock value, e.g. 0:01:03.349."""
    ms = max(0, int(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def page(*, title: str, body: str, lang: str) -> str:
    return XHTML_TEMPLATE.format(lang=escape(lang), title=escape(title), body=body)


def element_id(block_id: str) -> str:
    return block_id if block_id in HEADER_IDS else f"b-{block_id}"


def _xhtml_fragment(html_source: str, *, element: str, site_url: str) -> str:
    """Rich text (HTML) as well-formed XHTML carrying ``id=element``, links made absolute."""
    try:
        parts = lxml_html.fragments_fromstring(html_source) if html_source.strip() else []
    except (etree.ParserError, ValueError):
        parts = []
    nodes = [part for part in parts if not isinstance(part, str)]
    leading = "".join(escape(part) for part in parts if isinstance(part, str))
    for node in nodes:
        for link in node.iter("a"):
            href = link.get("href", "")
            if href.startswith("/"):
                link.set("href", site_url + href)
            for attr in [a for a in link.attrib if a not in ("href", "title")]:
                del link.attrib[attr]
        for attr in [a for a in node.attrib if a.startswith("data-")]:
            del node.attrib[attr]
    if len(nodes) == 1 and nodes[0].tag == "p" and not leading:
        nodes[0].set("id", element)
        return str(etree.tostring(nodes[0], method="xml", encoding="unicode"))
    inner = leading + "".join(str(etree.tostring(node, method="xml", encoding="unicode")) for node in nodes)
    return f'<div id="{element}">{inner}</div>'


def _figure(image_href: str, *, alt: str, caption: str, credit: str, css: str = "") -> str:
    cap = ""
    if caption or credit:
        credit_html = f' <span class="credit">{escape(credit)}</span>' if credit else ""
        cap = f"<figcaption>{escape(caption)}{credit_html}</figcaption>"
    cls = f' class="{css}"' if css else ""
    return f'<figure{cls}><img src="{escape(image_href)}" alt="{escape(alt)}"/>{cap}</figure>'


# EbookLib's writer with our fixes: xml:lang on <package>, files from disk stored as they are.
# A class built with type() rather than a class statement: EbookLib is untyped, and mypy --strict
# refuses to subclass what it cannot see.
def _write_opf_file(self: Any, root: Any) -> None:
    root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
    epub.EpubWriter._write_opf_file(self, root)  # noqa: SLF001


def _write_items(self: Any) -> None:
    folder = self.book.FOLDER_NAME
    for item in self.book.get_items():
        source = getattr(item, "source_path", None)
        if source is not None:
            # MP3s and JPEGs do not deflate: storing them saves seconds and keeps them out of memory.
            self.out.write(source, f"{folder}/{item.file_name}", compress_type=zipfile.ZIP_STORED)
        elif isinstance(item, epub.EpubNcx):
            self.out.writestr(f"{folder}/{item.file_name}", self._get_ncx())
        elif isinstance(item, epub.EpubNav):
            self.out.writestr(f"{folder}/{item.file_name}", self._get_nav(item))
        else:
            self.out.writestr(f"{folder}/{item.file_name}", item.get_content())


_Writer: Any = type("_Writer", (epub.EpubWriter,), {"_write_opf_file": _write_opf_file, "_write_items": _write_items})


def _file_item(uid: str, name: str, media_type: str, source: Path) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=b"")
    item.source_path = str(source)
    return item


def _xhtml_item(uid: str, name: str, content: str, *, overlay: str | None = None) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type="application/xhtml+xml", content=content.encode())
    if overlay:
        item.media_overlay = overlay
    return item


def colophon_xhtml(meta: dict[str, Any], reader_line: str) -> bytes:
    """The colophon page; the only file that differs between two readers' copies."""
    body = (
        '<section class="colophon" epub:type="colophon" role="doc-colophon" aria-labelledby="colophon-title">'
        f'<h1 id="colophon-title">About this edition</h1>'
        f"<p>{escape(meta['full_title'])}.</p>"
        f"<p>Published by {escape(meta['publisher'])}. All rights reserved.</p>"
        f'<p id="reader">{escape(reader_line)}</p>'
        "</section>"
    )
    return page(title="About this edition", body=body, lang=meta.get("language", "en")).encode()


def identifier(content: IssueContent) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{content.site_url}/issues/{content.pk}')}"


class EpubBuilder:
    version = 2  # 2: photographs at most 1200 px (were 1400)
    uses_narration = True
    uses_text = True

    def build(self, content: IssueContent, workspace: Workspace) -> Built:
        if not content.articles:
            raise BuildError("the issue has no published articles to put in an EPUB", retryable=False)
        book = epub.EpubBook()
        lang = content.language
        book.set_identifier(identifier(content))
        book.set_title(content.full_title)
        book.set_language(lang)
        self._metadata(book, content)

        css = epub.EpubItem(uid="css", file_name="css/edition.css", media_type="text/css", content=CSS.encode())
        book.add_item(css)
        spine: list[Any] = []
        images: dict[str, epub.EpubItem] = {}

        def image_href(ref: Any) -> str:
            local = workspace.image(ref, IMAGE_MAX_PX)
            name = f"images/{local.path.name}"
            if name not in images:
                images[name] = _file_item(f"img-{local.path.stem}", name, local.media_type, local.path)
                book.add_item(images[name])
            return f"../{name}"

        # Cover: the image (cover-image) and a linear page, so EPUBCheck 5 finds it reachable (OPF-096).
        cover_body = (
            f'<section class="cover" epub:type="cover" role="region" aria-label="Cover"><h1>{escape(content.magazine)}</h1>'
        )
        if content.cover is not None:
            local = workspace.image(content.cover, IMAGE_MAX_PX)
            book.set_cover("images/cover.jpg", local.path.read_bytes(), create_page=False)
            cover_body += f'<img src="../images/cover.jpg" alt="{escape(content.cover.alt)}"/>'
        cover_body += (
            f"<p>{escape(content.label)} · {content.cover_date:%B} {content.cover_date.day}, {content.cover_date.year}</p>"
        )
        cover_body += (
            '<ul class="cover-lines">' + "".join(f"<li>{escape(line)}</li>" for line in content.cover_lines) + "</ul></section>"
        )
        cover = _xhtml_item("cover-page", "text/cover.xhtml", page(title="Cover", body=cover_body, lang=lang))
        book.add_item(cover)
        spine.append(cover)

        nav = epub.EpubNav(title="Contents")
        nav.add_link(href="css/edition.css", rel="stylesheet", type="text/css")
        book.add_item(nav)
        book.add_item(epub.EpubNcx())
        spine.append(nav)

        toc: list[Any] = []
        if content.editors_letter:
            paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in content.editors_letter.split("\n") if p.strip())
            body = (
                '<section epub:type="foreword" role="doc-foreword" aria-labelledby="letter">'
                f'<h1 id="letter">From the editor</h1>{paragraphs}</section>'
            )
            letter = _xhtml_item("letter", "text/letter.xhtml", page(title="From the editor", body=body, lang=lang))
            book.add_item(letter)
            spine.append(letter)
            toc.append(epub.Link("text/letter.xhtml", "From the editor", "toc-letter"))

        overlays: list[tuple[str, int]] = []
        read_along: list[int] = []
        for group in content.sections:
            links = []
            for article in group.articles:
                name = f"text/a-{article.pk}.xhtml"
                body = self._article_body(article, image_href, content.site_url)
                overlay_id = None
                if article.narration is not None and article.narration.matches_text:
                    overlay = self._overlay(book, article, article.narration, body, workspace)
                    if overlay is not None:
                        overlay_id, duration = overlay
                        overlays.append((overlay_id, duration))
                        read_along.append(article.pk)
                item = _xhtml_item(f"a-{article.pk}", name, page(title=article.title, body=body, lang=lang), overlay=overlay_id)
                book.add_item(item)
                spine.append(item)
                links.append(epub.Link(name, article.title, f"toc-a-{article.pk}"))
            first = links[0].href
            toc.append((epub.Section(group.title or "Articles", first), links))
        toc.append(epub.Link(COLOPHON_NAME, "About this edition", "toc-colophon"))
        book.toc = toc

        self._accessibility(book, has_images=bool(images) or content.cover is not None, has_overlays=bool(overlays))
        if overlays:
            total = 0
            for overlay_id, duration in overlays:
                book.add_metadata(None, "meta", clock(duration), {"property": "media:duration", "refines": f"#{overlay_id}"})
                total += duration
            book.add_metadata(None, "meta", clock(total), {"property": "media:duration"})
            book.add_metadata(None, "meta", ACTIVE_CLASS, {"property": "media:active-class"})

        colophon_meta = {"full_title": content.full_title, "publisher": content.publisher, "language": lang}
        colophon = epub.EpubItem(
            uid="colophon",
            file_name=COLOPHON_NAME,
            media_type="application/xhtml+xml",
            content=colophon_xhtml(colophon_meta, f"This copy is for subscribers of {content.magazine}."),
        )
        spine.append(colophon)
        book.spine = spine
        # Added last so it is the last entry of the zip (editions.stamping swaps it per reader).
        book.add_item(colophon)

        out = workspace.path(f"{content.slug}.epub")
        mtime = datetime.now(UTC).replace(microsecond=0)
        writer = _Writer(str(out), book, {"epub3_pages": False, "epub2_guide": False, "epub3_landmark": False, "mtime": mtime})
        try:
            writer.process()
            writer.write()
        except (OSError, ValueError) as exc:
            raise BuildError(f"writing the EPUB failed: {exc}", retryable=isinstance(exc, OSError)) from exc
        return Built(
            out,
            duration_ms=sum(d for _, d in overlays),
            details={"read_along": read_along, "articles": len(content.articles), "colophon": colophon_meta},
        )

    # --- Parts ------------------------------------------------------------------

    def _metadata(self, book: epub.EpubBook, content: IssueContent) -> None:
        book.add_metadata("DC", "publisher", content.publisher)
        book.add_metadata("DC", "date", content.cover_date.isoformat())
        book.add_metadata("DC", "description", f"{content.magazine}, {content.label}: " + "; ".join(content.cover_lines))
        book.add_author(content.magazine)
        authors = sorted({name for article in content.articles for name in article.authors})
        for index, name in enumerate(authors):
            book.add_author(name, uid=f"contributor-{index}", role="aut")
        # The issue within the magazine: a series with the issue's number as its position.
        book.add_metadata(None, "meta", content.magazine, {"property": "belongs-to-collection", "id": "magazine"})
        book.add_metadata(None, "meta", "series", {"property": "collection-type", "refines": "#magazine"})
        book.add_metadata(None, "meta", str(content.number), {"property": "group-position", "refines": "#magazine"})
        book.add_metadata(None, "meta", f"Volume {content.volume}", {"property": "dcterms:bibliographicCitation"})

    def _accessibility(self, book: epub.EpubBook, *, has_images: bool, has_overlays: bool) -> None:
        modes = ["textual"] + (["visual"] if has_images else []) + (["auditory"] if has_overlays else [])
        features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
        if has_images:
            features.append("alternativeText")
        if has_overlays:
            features.append("synchronizedAudioText")
        for mode in modes:
            book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
        book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
        for feature in features:
            book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
        book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
        summary = (
            "Every article is text in reading order with headings and a table of contents by section; "
            "photographs carry their captions as text alternatives."
        )
        if has_overlays:
            summary += " Narrated articles play their audio with the text highlighted as it is read."
        book.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})

    def _article_body(self, article: ArticleContent, image_href: Any, site_url: str) -> str:
        parts = ['<section epub:type="chapter" role="doc-chapter" aria-labelledby="headline"><header>']
        if article.section:
            parts.append(f'<p class="kicker">{escape(article.section)}</p>')
        parts.append(f'<h1 id="headline">{escape(article.title)}</h1>')
        if article.dek:
            parts.append(f'<p class="dek" id="standfirst">{escape(article.dek)}</p>')
        when = f'<time datetime="{article.date.isoformat()}">{article.date:%B} {article.date.day}, {article.date.year}</time>'
        by = f"By {escape(article.byline)} · " if article.authors else ""
        parts.append(f'<p class="byline" id="byline">{by}{when}</p></header>')
        if article.hero is not None:
            parts.append(
                _figure(
                    image_href(article.hero),
                    alt=article.hero.alt,
                    caption=article.hero_caption,
                    credit=article.hero_credit,
                    css="hero",
                )
            )
        for block in article.blocks:
            parts.append(self._block(block, image_href, site_url))
        parts.append("</section>")
        return "".join(parts)

    def _block(self, block: Block, image_href: Any, site_url: str) -> str:
        element = element_id(block.id)
        if block.kind == "paragraph":
            return _xhtml_fragment(block.html, element=element, site_url=site_url)
        if block.kind == "heading":
            return f'<h2 id="{element}">{escape(block.text)}</h2>'
        if block.kind == "quote":
            cite = f"<footer>— {escape(block.attribution)}</footer>" if block.attribution else ""
            return f'<blockquote id="{element}" class="pull-quote"><p>{escape(block.text)}</p>{cite}</blockquote>'
        if block.kind == "figure" and block.image is not None:
            return _figure(image_href(block.image), alt=block.image.alt, caption=block.caption, credit=block.credit).replace(
                "<figure>", f'<figure id="{element}">', 1
            )
        if block.kind == "embed":
            label = escape(block.caption or block.url)
            return f'<p id="{element}" class="embed">Online: <a href="{escape(block.url)}">{label}</a></p>'
        return ""

    def _overlay(
        self, book: epub.EpubBook, article: ArticleContent, narration: NarrationRef, body: str, workspace: Workspace
    ) -> tuple[str, int] | None:
        """Add the article's SMIL and MP3; return (overlay id, duration in ms), or None if nothing lines up."""
        present = set(_ids(body))
        audio_name = f"audio/a-{article.pk}.mp3"
        pars = []
        total = 0
        for index, segment in enumerate(narration.segments, start=1):
            target = element_id(segment.block_id)
            end = min(segment.end_ms, narration.duration_ms) if narration.duration_ms else segment.end_ms
            if target not in present or end <= segment.start_ms:
                continue
            total += end - segment.start_ms
            pars.append(
                f'<par id="p{index}"><text src="../text/a-{article.pk}.xhtml#{target}"/>'
                f'<audio src="../{audio_name}" clipBegin="{clock(segment.start_ms)}" clipEnd="{clock(end)}"/></par>'
            )
        if not pars:
            return None
        overlay_id = f"mo-a-{article.pk}"
        smil = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0"><body>'
            f'<seq id="seq-a-{article.pk}" epub:textref="../text/a-{article.pk}.xhtml#headline" epub:type="chapter">'
            + "".join(pars)
            + "</seq></body></smil>"
        )
        book.add_item(epub.EpubSMIL(uid=overlay_id, file_name=f"smil/a-{article.pk}.smil", content=smil.encode()))
        book.add_item(_file_item(f"audio-a-{article.pk}", audio_name, "audio/mpeg", workspace.audio(narration.audio_name)))
        return overlay_id, total


def _ids(body: str) -> list[str]:
    import re

    return re.findall(r'\bid="([^"]+)"', body)
