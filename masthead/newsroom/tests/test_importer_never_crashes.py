"""Whatever text arrives, the parser answers with an article or its own error, never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from masthead.newsroom.importer import ArticleImportError, parse_article
from masthead.newsroom.tests.conftest import SEED

LINES = st.sampled_from(
    [
        "",
        "Written by [Angeline Tan](#) on March 28, 2024",
        "By Jo Bloggs on Feb 3, 2020",
        "Written by [X](#) on Smarch 99, 0000",
        "AP Images",
        "Dmitry Peskov",
        "## A heading",
        "> A quote",
        "- a list item",
        "Subscribe to the New American",
        "A sentence with **bold** and *italic* and [a link](https://example.com).",
        "[Subscribe](#)",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_parses_or_raises_import_error(text):
    try:
        article = parse_article(text)
    except ArticleImportError as exc:
        assert exc.line >= 1 and exc.message
    else:
        assert article.title and article.slug and article.authors


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(LINES, st.text(max_size=60)), max_size=30))
# Found by Hypothesis: repeated bylines with no blank line between were kept as a paragraph.
@example(["AP Images", "Written by [A](#) on March 28, 2024", "", *["Written by [A](#) on March 28, 2024"] * 3])
@example(["Headline", "", "Body text.", "Written by [Jo Bloggs](#) on March 4, 2022", "More body.", "", "By Jo on May 1, 2020"])
def test_article_shaped_text_parses_or_raises_import_error(lines):
    text = "\n".join(lines)
    try:
        article = parse_article(text)
    except ArticleImportError as exc:
        # The line named must exist in the file (any newline convention counts).
        assert 1 <= exc.line <= text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    else:
        assert article.paragraph_count() >= 1
        assert all("Written by" not in b.value for b in article.blocks)


def test_seed_with_windows_line_endings_parses_the_same():
    text = SEED.read_text()
    assert parse_article(text.replace("\n", "\r\n")) == parse_article(text)


def test_a_paragraph_starting_with_by_is_body_text_not_a_byline():
    text = "Headline\n\nBy then, the talks were over on March 3, 2022.\n\nWritten by [Jo Bloggs](#) on March 4, 2022\n"
    article = parse_article(text)
    assert article.authors == ["Jo Bloggs"]
    assert article.blocks[0].value.startswith("By then")


def test_image_slots_in_the_three_spellings_editors_use():
    byline = "Written by [Jo Bloggs](#) on March 4, 2022"
    cases = {
        "AP Images\nDmitry Peskov": ("Dmitry Peskov", "AP Images"),
        "Caption: The harbour at dawn\nPhoto: Reuters": ("The harbour at dawn", "Reuters"),
        "The harbour at dawn\nGetty Images": ("The harbour at dawn", "Getty Images"),
        '![The harbour at dawn](harbour.jpg "AFP")': ("The harbour at dawn", "AFP"),
    }
    for lines, (caption, credit) in cases.items():
        article = parse_article(f"Headline\n\n{lines}\n\nA paragraph.\n\n{lines}\n\n{byline}\n")
        assert article.hero is not None, lines
        assert (article.hero.caption, article.hero.credit) == (caption, credit), lines
        # A second image is an inline image block, not text.
        assert [b.kind for b in article.blocks] == ["paragraph", "image"], lines


def test_bylines_running_into_the_body_are_dropped_but_prose_about_writing_is_kept():
    text = (
        "Headline\n\nFirst paragraph.\nWritten by [Jo Bloggs](#) on March 4, 2022\nSecond paragraph.\n\n"
        "The letter was\nwritten by hand on cheap paper.\n"
    )
    article = parse_article(text)
    values = [b.value for b in article.blocks]
    assert article.authors == ["Jo Bloggs"]
    assert values[:2] == ["First paragraph.", "Second paragraph."]
    assert "written by hand on cheap paper." in values[2]
