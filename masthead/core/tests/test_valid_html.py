"""Every kind of public page is valid HTML, as the Nu Html Checker (vnu) judges it.

Pages are rendered with the Django test client, written to files and checked
in ONE vnu run: the checker is a Java program whose start-up (~1-2 s) dwarfs
checking a page, so one process checks them all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from masthead.testing import builders

VNU_JAR = Path(__file__).resolve().parents[3] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_errors(files: list[Path]) -> list[dict]:
    """vnu's error messages for the files (warnings are left out)."""
    result = subprocess.run(
        ["java", "-Xss1m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if not result.stdout.strip():
        raise AssertionError(f"vnu gave no report (exit {result.returncode}): {result.stderr[-2000:]}")
    return [m for m in json.loads(result.stdout)["messages"] if m.get("type") in {"error", "non-document-error"}]


def describe(messages: list[dict]) -> str:
    return "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}\n    {m.get('extract', '').strip()[:160]}"
        for m in messages
    )


@pytest.fixture
def rich_article(magazine):
    """An article using every body block an editor can add, so each block's template is checked."""
    photo = builders.make_image("Crocus City Hall")
    return builders.make_article(
        magazine.sections["Foreign Affairs"],
        "Kremlin Unveils Conditions for Talks With U.S.",
        authors=[magazine.author],
        dek="Moscow says it is open to talks, but only about everything at once.",
        paragraphs=["Russia remains open to negotiations with the <b>United States</b>.", "A second paragraph."],
        hero_image=builders.make_image("Dmitry Peskov"),
        hero_caption="Dmitry Peskov",
        hero_credit="AP Images",
        tags=["Russia", "Diplomacy"],
        extra_blocks=[
            {"type": "heading", "value": "What Moscow wants"},
            {"type": "pull_quote", "value": {"quote": "We are open to a dialogue.", "attribution": "Dmitry Peskov"}},
            {"type": "image", "value": {"image": photo.pk, "caption": "The concert hall", "credit": "AP Images"}},
        ],
    )


@pytest.mark.skipif(not shutil.which("java") or not VNU_JAR.exists(), reason="needs java and npm's vnu-jar")
def test_reader_pages_are_valid_html(client, magazine, rich_article, member, settings, tmp_path):
    anonymous = {
        "home": magazine.home.url,
        "section": magazine.sections["Politics"].url,
        "article": rich_article.url,
        "members-article": magazine.members_article.url,
        "subscriber-article": magazine.subscriber_article.url,
        "issue": magazine.issue.url,
        "issue-index": "/issues/",
        "author": magazine.author.url,
        "author-index": "/authors/",
        "search": reverse("search:search") + "?q=Kremlin",
        "sign-in": reverse("members:signin"),
        "sign-up": reverse("members:signup"),
        "plans": reverse("billing:plans"),
    }
    signed_in = {
        "member-home": magazine.home.url,
        "member-article": magazine.members_article.url,
        "account": reverse("members:account"),
    }
    files = []

    def keep(name: str, response) -> None:
        assert response.status_code == 200, f"{name}: {response.status_code}"
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)

    for name, url in anonymous.items():
        keep(name, client.get(url))
    client.force_login(member)
    for name, url in signed_in.items():
        keep(name, client.get(url))
    client.logout()
    # The reader's 404 page, not Django's debug page.
    settings.DEBUG = False
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    files.append(tmp_path / "404.html")
    files[-1].write_bytes(missing.content)

    errors = vnu_errors(files)
    assert not errors, "vnu found errors:\n" + describe(errors)


@pytest.mark.skipif(not shutil.which("java") or not VNU_JAR.exists(), reason="needs java and npm's vnu-jar")
def test_the_checker_reports_invalid_markup(tmp_path):
    """The gate above can fail: a stray end tag and a missing alt are reported."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><p>t</div><img src="a.jpg"></body></html>')
    messages = " ".join(m["message"] for m in vnu_errors([bad]))
    assert "Stray end tag" in messages and "alt" in messages
