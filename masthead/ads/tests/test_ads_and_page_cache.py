"""Anonymous pages with ads may be shared-cached; signed-in pages never are, so the ad-free never get a cached ad."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_cached_anonymous_page_with_ad_never_reaches_a_signed_in_reader(
    magazine: Any, house_ads: Any, staff: Any, member: Any
) -> None:
    for url in (magazine.public_article.url, magazine.home.url, magazine.sections["Politics"].url):
        anonymous = Client()
        # The first render may save image metadata, which empties the cache once; by the third request it is warm.
        for _ in range(3):
            warm = anonymous.get(url)
        assert warm["X-Cache"] == "HIT", url
        assert "HOUSE-AD-" in warm.content.decode()

        ad_free = Client()
        ad_free.force_login(staff)
        for _ in range(2):
            response = ad_free.get(url)
            assert "X-Cache" not in response
            assert "private" in response["Cache-Control"]
            assert "HOUSE-AD-" not in response.content.decode()

        # A signed-in reader who does see ads is still never served from, or stored in, the shared cache.
        reader = Client()
        reader.force_login(member)
        response = reader.get(url)
        assert "X-Cache" not in response
        assert "private" in response["Cache-Control"]
