"""Archive search narrows by section, author, issue and year; filters alone list articles newest first."""

from __future__ import annotations

import re
from datetime import date

from masthead.testing import builders


def _headlines(html: str) -> list[str]:
    return re.findall(r'class="search-result__headline"><a href="[^"]*">([^<]+)</a>', html)


def _get(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200, (params, response.status_code)
    return response.content.decode()


def test_each_filter_narrows_the_words_and_they_combine(client, magazine):
    other = builders.ensure_author(magazine.home, "Boris Kell", role="Economics editor")
    finance, politics = magazine.sections["Finance"], magazine.sections["Politics"]
    old = builders.make_article(
        finance, "Pipeline Money 2019", authors=[other], paragraphs=["The pipeline deal was signed."], on=date(2019, 5, 2)
    )
    new = builders.make_article(
        politics, "Pipeline Politics 2024", authors=[magazine.author], paragraphs=["The pipeline vote."], on=date(2024, 3, 20)
    )
    issue = builders.make_issue(
        builders.ensure_issue_index(magazine.home), volume=35, number=9, cover_date=date(2019, 5, 1), articles=[old]
    )
    assert _headlines(_get(client, q="pipeline")) and set(_headlines(_get(client, q="pipeline"))) == {old.title, new.title}
    assert _headlines(_get(client, q="pipeline", section="finance")) == [old.title]
    assert _headlines(_get(client, q="pipeline", author="angeline-tan")) == [new.title]
    assert _headlines(_get(client, q="pipeline", issue=issue.slug)) == [old.title]
    assert _headlines(_get(client, q="pipeline", year=2024)) == [new.title]
    assert _headlines(_get(client, q="pipeline", year=2019, author=other.slug, section="finance")) == [old.title]
    empty = _get(client, q="pipeline", year=2019, section="politics")
    assert _headlines(empty) == [] and "No articles match “pipeline” with these filters" in empty
    # The result names the issue it appeared in, linked.
    assert f'href="{issue.url}">Vol. 35 No. 9</a>' in _get(client, q="pipeline", issue=issue.slug)


def test_filters_without_words_list_articles_newest_first(client, magazine):
    html = _get(client, author="angeline-tan")
    assert _headlines(html) == ["A Public Report", "A Members Briefing", "A Subscriber Investigation"]
    assert _headlines(_get(client, section="finance")) == ["A Subscriber Investigation"]
    assert _headlines(_get(client, issue="40-6")) == ["A Public Report", "A Subscriber Investigation"]


def test_newest_first_order_and_pages_keep_the_filters(client, magazine):
    for n in range(12):
        builders.make_article(
            magazine.sections["Environment"],
            f"Glacier Report {n:02d}",
            authors=[magazine.author],
            paragraphs=["The glacier retreated again." + (" Glacier glacier glacier." if n == 3 else "")],
            on=date(2023, 1, 1 + n),
        )
    best = _headlines(_get(client, q="glacier"))
    assert best[0] == "Glacier Report 03"  # the article that says it most ranks first
    newest = _get(client, q="glacier", sort="newest", section="environment")
    assert _headlines(newest)[:2] == ["Glacier Report 11", "Glacier Report 10"]
    assert 'href="?q=glacier&amp;sort=newest&amp;section=environment&amp;page=2"' in newest
    second = _get(client, q="glacier", sort="newest", section="environment", page=2)
    assert _headlines(second) == ["Glacier Report 01", "Glacier Report 00"]


def test_drafts_and_unpublished_issues_are_not_filters_or_results(client, magazine):
    draft = builders.make_article(
        magazine.sections["Culture"], "Draft Opera Review", authors=[magazine.author], paragraphs=["Opera."]
    )
    draft.unpublish()
    assert draft.title not in _get(client, q="opera")
    issue = builders.make_issue(
        builders.ensure_issue_index(magazine.home), volume=41, number=1, cover_date=date(2025, 1, 1), articles=[]
    )
    issue.unpublish()
    response = client.get("/search/", {"q": "report", "issue": issue.slug})
    assert response.status_code == 400 and "There is no issue with that name" in response.content.decode()
