"""Whatever a reader types or a link carries, the search page answers: results, none, or a 400 naming the problem."""

from __future__ import annotations

import pytest

ODD = [
    '"',
    "'",
    "***",
    "-",
    "a",
    "OR",
    "AND NOT",
    "(",
    ")",
    "near/3",
    "ü",
    "🙂",
    "%",
    "_",
    "\\",
    "x" * 500,
    "SELECT * FROM",
    "report " * 400,
    "NEAR(a b)",
    "title:report",
    "^report",
    "report*",
    "{report}",
    "\u202e",
    "<b>x</b>",
]


def test_odd_queries_get_a_page_not_an_error(client, magazine):
    for query in ODD:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
    # A page past the end shows the last one.
    assert client.get("/search/", {"q": "report", "page": "9999"}).status_code == 200


BAD_LINKS = [
    ({"q": "report\x00"}, "Search articles: Null characters are not allowed."),
    ({"page": "abc"}, "Page: The page must be a whole number"),
    ({"page": "0"}, "Page:"),
    ({"page": "-3"}, "Page:"),
    ({"page": "99999999999999999999"}, "Page:"),
    ({"year": "abc"}, "Year: The year must be a number"),
    ({"year": "99999"}, "Year:"),
    ({"year": "1e3"}, "Year:"),
    ({"section": "no-such-section"}, "Section: There is no section with that name."),
    ({"section": "\x00"}, "Section:"),
    ({"author": "a" * 5000}, "Author: There is no author with that name."),
    ({"issue": "40-99"}, "Issue: There is no issue with that name."),
    ({"issue": "'; DROP TABLE x; --"}, "Issue:"),
    ({"sort": "random"}, "Order:"),
]


@pytest.mark.parametrize(("params", "message"), BAD_LINKS, ids=[str(p) for p, _ in BAD_LINKS])
def test_bad_filter_values_are_a_400_that_names_the_filter(client, magazine, params, message):
    response = client.get("/search/", {"q": "report", **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="search-result"' not in html
