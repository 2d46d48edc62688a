"""Parse plain-text/Markdown article files into a clean, structured article.

A pure function: text in, ParsedArticle out, ArticleImportError for anything
we cannot make sense of. Nothing here touches the database, so the parser can
be tested (and fuzzed) on its own and the importer can parse every file before
it writes anything.

The format is what magazines export when a web page is saved as text (see
tests/data/kremlin-talks.txt):

    Headline on the first non-blank line

    Body paragraphs separated by blank lines (Markdown-ish: **bold**, *italic*,
    [links](url), "## heading", "> quote").

    AP Images             <- an image slot: credit line, then caption line,
    Dmitry Peskov            with no blank line between them

    Written by [Angeline Tan](#) on March 28, 2024   <- byline; repeats at page breaks

    Subscribe to ...      <- the trailing advertisement, dropped with all after it
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape, unescape

from django.utils.html import strip_tags
from django.utils.text import slugify

MAX_HEADLINE = 255
# Image credit/caption lines are short labels, not sentences.
MAX_LABEL = 120

BYLINE_START = re.compile(r"^\s*written\s+by\s+\S", re.IGNORECASE)
BYLINE = re.compile(
    r"^\s*(?:written\s+)?by\s+(?P<names>.+?)\s+on\s+(?P<date>[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4})\s*\.?\s*$", re.IGNORECASE
)
EXPECTED_BYLINE = "expected a line like 'Written by [Name](#) on March 28, 2024'"
MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
# Where the trailing subscription advertisement starts. Everything from the
# first such line to the end of the file is the publisher's own promotion.
ADVERT_START = re.compile(
    r"^\s*(?:#+\s*)?(?:subscribe\s+(?:to|now|today)\b|\[subscribe\]|what['’]s\s+included\??\s*$|"
    r"get\s+exclusive\s+digital\s+access|start\s+your\s+subscription)",
    re.IGNORECASE,
)
CREDIT_WORDS = re.compile(
    r"\b(?:images?|photos?|photography|photographer|getty|reuters|afp|ap|associated press|shutterstock|wikimedia|"
    r"alamy|credit|courtesy|epa|bloomberg|istock|pool)\b|©|/",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?:;”\"’)]\s*$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


class ArticleImportError(ValueError):
    """The file cannot be imported; the message names the line and what is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class ParsedImage:
    caption: str
    credit: str
    line: int


@dataclass(frozen=True)
class ParsedBlock:
    # "paragraph" (value is sanitised inline HTML), "heading", "quote" or "image".
    kind: str
    value: str = ""
    image: ParsedImage | None = None


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    slug: str
    authors: list[str]
    date: date
    hero: ParsedImage | None
    blocks: list[ParsedBlock] = field(default_factory=list)
    # What was dropped, for the importer's report.
    dropped_bylines: int = 0
    dropped_advert_lines: int = 0

    def paragraph_count(self) -> int:
        return sum(1 for b in self.blocks if b.kind == "paragraph")


def parse_date(text: str) -> date | None:
    cleaned = re.sub(r"\s+", " ", text.replace(",", "").replace(".", "")).strip()
    for fmt in ("%B %d %Y", "%b %d %Y"):
        try:
            return datetime.strptime(cleaned, fmt).date()  # noqa: DTZ007 — a calendar date, not an instant
        except ValueError:
            continue
    return None


def split_names(names: str) -> list[str]:
    """'[A](#) and [B](#)' or 'A, B and C' → ['A', 'B', 'C']."""
    linked = [m.group(1).strip() for m in MD_LINK.finditer(names)]
    if linked:
        return [n for n in linked if n]
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", names)
    return [p.strip() for p in parts if p.strip()]


def inline_html(text: str) -> str:
    """Markdown-ish inline markup → the rich-text HTML Wagtail stores (b, i, a)."""
    out = escape(text.strip(), quote=True)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)

    def link(match: re.Match[str]) -> str:
        label, url = match.group(1), match.group(2)
        # "#" and relative links point into the page the text was saved from.
        if url.startswith(("http://", "https://", "mailto:")):
            return f'<a href="{url}">{label}</a>'
        return label

    return MD_LINK.sub(link, out)


def _chunks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 1-based number of their first line."""
    chunks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            chunks.append((start, current))
            current = []
    if current:
        chunks.append((start, current))
    return chunks


def _split_bylines(number: int, chunk: list[str]) -> list[tuple[int, list[str]]]:
    """A full 'Written by … on <date>' line is a byline even with no blank line around it
    (repeats at page breaks often run together); other lines stay grouped as they were."""
    pieces: list[tuple[int, list[str]]] = []
    run: list[str] = []
    for offset, line in enumerate(chunk):
        if BYLINE_START.match(line) and BYLINE.match(line):
            if run:
                pieces.append((number + offset - len(run), run))
                run = []
            pieces.append((number + offset, [line]))
        else:
            run.append(line)
    if run:
        pieces.append((number + len(chunk) - len(run), run))
    return pieces


def _looks_like_byline(chunk: list[str]) -> bool:
    """'Written by …' always is (and must parse); 'By …' only with linked or capitalised names,
    so a paragraph such as 'By then, the talks were over on March 3, 2022' stays body text."""
    if len(chunk) != 1 or len(chunk[0]) > 300:
        return False
    if BYLINE_START.match(chunk[0]):
        return True
    match = BYLINE.match(chunk[0])
    if not match:
        return False
    names = match.group("names")
    if MD_LINK.search(names):
        return True
    words = [w for w in re.split(r"[\s,&]+", names) if w and w != "and"]
    return 0 < len(words) <= 8 and all(w[0].isupper() for w in words)


def _is_label(line: str) -> bool:
    return 0 < len(line) <= MAX_LABEL and not SENTENCE_END.search(line) and not line.startswith(("#", ">", "-", "*"))


MD_IMAGE = re.compile(r'^!\[(?P<caption>[^\]]*)\]\((?P<src>[^)\s]*)(?:\s+"(?P<credit>[^"]*)")?\)$')
CAPTION_PREFIX = re.compile(r"^caption\s*:\s*", re.IGNORECASE)
CREDIT_PREFIX = re.compile(r"^(?:photo|credit|image|picture)\s*:\s*", re.IGNORECASE)


def _image_from(lines: list[str], number: int) -> ParsedImage | None:
    """An image slot: `![caption](file "credit")`, or two short label lines (credit and caption)."""
    if len(lines) == 1 and (md := MD_IMAGE.match(lines[0])):
        return ParsedImage(caption=md.group("caption").strip(), credit=(md.group("credit") or "").strip(), line=number)
    if len(lines) != 2 or not all(_is_label(line) for line in lines):
        return None
    first, second = lines
    # Labels say which is which; unlabelled, the seed's order is credit then
    # caption, unless only the second line looks like a credit.
    if CAPTION_PREFIX.match(first) or CREDIT_PREFIX.match(second):
        caption, credit = first, second
    elif CAPTION_PREFIX.match(second) or CREDIT_PREFIX.match(first):
        credit, caption = first, second
    elif CREDIT_WORDS.search(second) and not CREDIT_WORDS.search(first):
        caption, credit = first, second
    else:
        credit, caption = first, second
    return ParsedImage(caption=CAPTION_PREFIX.sub("", caption), credit=CREDIT_PREFIX.sub("", credit), line=number)


def parse_article(text: str) -> ParsedArticle:
    """Parse one article file's text; raise ArticleImportError naming the line."""
    if bad := CONTROL_CHARS.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        raise ArticleImportError(line, "binary or control characters; this is not a text article")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    chunks = _chunks(lines)
    if not chunks:
        raise ArticleImportError(1, "no headline: the file is empty")

    headline_line, headline_chunk = chunks[0]
    title = re.sub(r"^#+\s*", "", headline_chunk[0]).strip()
    if not title or _looks_like_byline([title]):
        raise ArticleImportError(headline_line, "no headline: the first line must be the article's headline")
    if len(title) > MAX_HEADLINE:
        raise ArticleImportError(headline_line, f"headline is {len(title)} characters; at most {MAX_HEADLINE}")
    slug = slugify(title)[:80].strip("-")
    if not slug:
        raise ArticleImportError(headline_line, f"headline {title!r} has no letters or digits to make a web address from")
    # A headline chunk with more lines: the rest is the first paragraph.
    rest = [(headline_line + 1, headline_chunk[1:])] if len(headline_chunk) > 1 else []

    authors: list[str] = []
    byline_date: date | None = None
    bylines = 0
    hero: ParsedImage | None = None
    blocks: list[ParsedBlock] = []
    advert_lines = 0

    body_chunks = [piece for number, chunk in rest + chunks[1:] for piece in _split_bylines(number, chunk)]
    for index, (number, chunk) in enumerate(body_chunks):
        if ADVERT_START.match(chunk[0]) and blocks:
            advert_lines = sum(len(c) for _, c in body_chunks[index:])
            break
        if _looks_like_byline(chunk):
            match = BYLINE.match(chunk[0])
            if not match:
                raise ArticleImportError(
                    number, f"byline not understood: {chunk[0]!r}; expected 'Written by [Name](#) on Month D, YYYY'"
                )
            parsed_date = parse_date(match.group("date"))
            if parsed_date is None:
                raise ArticleImportError(number, f"bad date {match.group('date')!r} in byline; expected e.g. 'March 28, 2024'")
            names = split_names(match.group("names"))
            if not names:
                raise ArticleImportError(number, "byline names no author")
            if byline_date is not None and parsed_date != byline_date:
                raise ArticleImportError(
                    number, f"byline date {parsed_date:%B %-d, %Y} differs from {byline_date:%B %-d, %Y} above"
                )
            byline_date = byline_date or parsed_date
            for name in names:
                if name not in authors:
                    authors.append(name)
            bylines += 1
            continue
        if image := _image_from(chunk, number):
            if hero is None:
                hero = image
            else:
                blocks.append(ParsedBlock("image", image=image))
            continue
        blocks.extend(_text_blocks(chunk))

    if byline_date is None:
        last_line = chunks[-1][0] + len(chunks[-1][1]) - 1
        raise ArticleImportError(last_line, f"no byline: {EXPECTED_BYLINE}")
    if not any(b.kind == "paragraph" for b in blocks):
        raise ArticleImportError(headline_line, "no body text after the headline")
    return ParsedArticle(
        title=title,
        slug=slug,
        authors=authors,
        date=byline_date,
        hero=hero,
        blocks=blocks,
        dropped_bylines=max(0, bylines - 1),
        dropped_advert_lines=advert_lines,
    )


def _text_blocks(chunk: list[str]) -> list[ParsedBlock]:
    first = chunk[0]
    if first.startswith("#"):
        heading = re.sub(r"^#+\s*", "", " ".join(chunk)).strip()
        return [ParsedBlock("heading", heading[:200])] if heading else []
    if all(line.startswith(">") for line in chunk):
        quote = " ".join(line.lstrip("> ").strip() for line in chunk).strip()
        return [ParsedBlock("quote", quote)] if quote else []
    if all(re.match(r"^[-*+]\s+", line) for line in chunk):
        # Rich text here has no lists: each item becomes its own short paragraph.
        return [ParsedBlock("paragraph", inline_html(re.sub(r"^[-*+]\s+", "", line))) for line in chunk]
    html = inline_html(" ".join(chunk))
    return [ParsedBlock("paragraph", html)] if html else []


# A standfirst derived from the first paragraph: its first sentence (two if the first is short), within this many characters.
STANDFIRST_MAX = 280
# A stop after these is not a sentence end ("U.S. officials", "Mr. Peskov", "9 a.m. Eastern").
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\b[a-z]|Mr|Mrs|Ms|Dr|St|Mt|Ft|Gen|Sen|Rep|Gov|Inc|Corp|Jr|Sr|No|vs|etc|e\.g|i\.e)\.$")
_SENTENCE_END_AT = re.compile(r"[.!?][”\"’)]*(?=\s+[“\"‘(]?[A-Z0-9])")


def _sentences(text: str) -> list[str]:
    found, start = [], 0
    for match in _SENTENCE_END_AT.finditer(text):
        candidate = text[start : match.end()]
        if match.group().startswith(".") and _NOT_AN_END.search(text[: match.start() + 1]):
            continue
        found.append(candidate.strip())
        start = match.end()
    if text[start:].strip():
        found.append(text[start:].strip())
    return found


def derive_standfirst(parsed: ParsedArticle) -> str:
    """What an article without a standfirst is summed up by: the opening of its first paragraph, as plain text.

    Whole sentences when they fit (two when the first is short), else cut at a word with an ellipsis.
    """
    first = next((b.value for b in parsed.blocks if b.kind == "paragraph"), "")
    text = re.sub(r"\s+", " ", unescape(strip_tags(first))).strip()
    if not text:
        return ""
    sentences = _sentences(text)
    chosen = sentences[0]
    if len(chosen) < 90 and len(sentences) > 1 and len(chosen) + 1 + len(sentences[1]) <= STANDFIRST_MAX:
        chosen = f"{chosen} {sentences[1]}"
    if len(chosen) <= STANDFIRST_MAX:
        return chosen
    cut = chosen[: STANDFIRST_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ")
    return cut + "…"
