"""Pages carrying every ad slot, and the reader's address page, are valid HTML (vnu, one run)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from django.test import Client

from masthead.ads.models import HouseAd, Slot
from masthead.core.tests.test_valid_html import VNU_JAR, describe, vnu_errors
from masthead.testing import builders


@pytest.mark.skipif(not shutil.which("java") or not VNU_JAR.exists(), reason="needs java and npm's vnu-jar")
def test_pages_with_ads_and_the_address_form_are_valid(client: Client, magazine: Any, member: Any, tmp_path: Any) -> None:
    banner = builders.make_image("Subscribe banner", size=(728, 90))
    for slot in Slot.values:
        HouseAd.objects.create(
            name=f"img {slot}", slot=slot, image=banner, alt_text="Subscribe & save", link="https://x.example/?a=1&b=2"
        )
    long_article = builders.make_article(
        magazine.sections["Politics"],
        "Six Paragraphs",
        authors=[magazine.author],
        paragraphs=[f"Paragraph {i}." for i in range(6)],
    )
    pages = {
        "home": magazine.home.url,
        "section": magazine.sections["Politics"].url,
        "short-article": magazine.public_article.url,
        "long-article": long_article.url,
        "gated-article": magazine.subscriber_article.url,
    }
    files = []
    for name, url in pages.items():
        html = client.get(url).content.decode()
        if name != "gated-article":  # a short teaser ends on its text, not on an ad (issue #12)
            assert "Advertisement" in html, name
        if name == "long-article":
            # Inside the body after the third block, not tacked on after the article.
            assert html.index("Paragraph 2.") < html.index("Advertisement") < html.index("Paragraph 3.")
        path = tmp_path / f"{name}.html"
        path.write_text(html)
        files.append(path)
    reader = Client()
    reader.force_login(member)
    for name, data in {"address-empty": None, "address-errors": {"name": "", "postcode": "x", "country": "US"}}.items():
        response = reader.post("/fulfilment/address/", data) if data else reader.get("/fulfilment/address/")
        path = tmp_path / f"{name}.html"
        path.write_text(response.content.decode())
        files.append(path)
    errors = vnu_errors(files)
    assert not errors, describe(errors)
