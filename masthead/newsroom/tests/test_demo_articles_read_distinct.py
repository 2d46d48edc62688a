"""The demo reads like a magazine, not a template: no sentence of eight words or more is printed in two
different demo articles (the generated demo repeated its stock sentences across every section)."""

from __future__ import annotations

import re
from collections import defaultdict

from masthead.newsroom.demo.prose import all_articles

MIN_WORDS = 8


def _sentences(text: str) -> list[str]:
    # Split after a full stop, question or exclamation mark (closing quote included) before a capital or a quote.
    parts = re.split(r"(?<=[.!?])[”’\"]?\s+(?=[“\"A-Z])", text)
    return [p.strip() for p in parts if p.strip()]


def _normalised(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", sentence.lower()))


def test_no_long_sentence_appears_in_two_demo_articles():
    seen: dict[str, set[str]] = defaultdict(set)
    for article in all_articles():
        text = " ".join([article.dek, *article.paragraphs, article.caption])
        for sentence in _sentences(text):
            key = _normalised(sentence)
            if len(key.split()) >= MIN_WORDS:
                seen[key].add(article.title)
    repeated = {sentence: sorted(titles) for sentence, titles in seen.items() if len(titles) > 1}
    assert not repeated, f"{len(repeated)} sentences repeat across articles, e.g. {next(iter(repeated.items()))}"


def test_no_run_of_eight_words_is_shared_by_two_demo_articles():
    # Stricter than whole sentences: a template with a place name swapped in still shares its frame.
    seen: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for article in all_articles():
        words = _normalised(" ".join([article.dek, *article.paragraphs, article.caption])).split()
        for i in range(len(words) - MIN_WORDS + 1):
            seen[tuple(words[i : i + MIN_WORDS])].add(article.title)
    shared = {" ".join(run): sorted(titles) for run, titles in seen.items() if len(titles) > 1}
    assert not shared, f"{len(shared)} eight-word runs are shared, e.g. {next(iter(shared.items()))}"


def test_every_demo_article_is_a_real_piece():
    articles = all_articles()
    assert len(articles) >= 30
    assert len({a.title for a in articles}) == len(articles)
    for article in articles:
        assert 4 <= len(article.paragraphs) <= 8, article.title
        words = sum(len(p.split()) for p in article.paragraphs)
        assert words >= 250, f"{article.title} has only {words} words"
        assert article.dek and article.heading and article.caption and article.tags, article.title
        # The pull quote is lifted from the piece itself, as an editor would lift it.
        quote, who = article.pull_quote
        body = " ".join(article.paragraphs)
        assert quote.rstrip(".!?") in body and who in body, article.title
        assert "{" not in body, article.title


def test_sentence_splitter_finds_each_sentence():
    text = "“We were late,” she said. The board met on Tuesday! Was it enough? Nobody knows."
    assert _sentences(text) == ["“We were late,” she said.", "The board met on Tuesday!", "Was it enough?", "Nobody knows."]
