"""Whatever a reader types, the search page answers (no 500s from the search backend)."""

from __future__ import annotations

ODD = ['"', "'", "***", "-", "a", "OR", "AND NOT", "(", ")", "near/3", "ü", "🙂", "%", "_", "\\", "x" * 500, "SELECT * FROM"]


def test_odd_queries_get_a_page_not_an_error(client, magazine):
    for query in ODD:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
    # Junk page numbers fall back to a real page.
    assert client.get("/search/", {"q": "report", "page": "zzz"}).status_code == 200
    assert client.get("/search/", {"q": "report", "page": "9999"}).status_code == 200
