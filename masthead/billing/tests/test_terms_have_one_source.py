"""The publisher's terms (issues a year, the guarantee's days) come from the admin's Magazine settings, everywhere."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from masthead.billing.tests.conftest import subscribe
from masthead.core.models import MagazineSettings

ROOT = Path(__file__).resolve().parents[3]
# A number written next to a term the admin sets: "60-day money-back", "within 60 days", "24 issues a year".
LITERAL_TERMS = re.compile(
    r"\b\d+[- ]day money-back|\bwithin \d+ days of|\b\d+ issues (a|per) year|twenty-four issues", re.IGNORECASE
)


def test_no_template_writes_the_terms_down() -> None:
    found = []
    for path in sorted((ROOT / "masthead").rglob("templates/**/*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".xml"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if LITERAL_TERMS.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert found == [], "terms written into templates instead of read from MagazineSettings:\n" + "\n".join(found)


def test_the_pattern_catches_what_it_is_for() -> None:
    assert LITERAL_TERMS.search("Cancel anytime; 60-day money-back guarantee.")
    assert LITERAL_TERMS.search("within 60 days of your first payment")
    assert LITERAL_TERMS.search("24 issues a year, the digital edition")
    assert not LITERAL_TERMS.search("{{ magazine.guarantee_days }}-day money-back guarantee")


def test_changing_the_settings_changes_every_page_and_the_receipt(
    stripe_env: Any, plan: Any, reader: Any, magazine: Any, django_capture_on_commit_callbacks: Any
) -> None:
    terms = MagazineSettings.current()
    terms.guarantee_days, terms.issues_per_year = 30, 12
    terms.save()
    anonymous = Client()
    plans = anonymous.get(reverse("billing:plans")).content.decode()
    assert "30-day money-back guarantee" in plans and "12 issues a year" in plans
    assert "60-day" not in plans and "24 issues" not in plans
    client = Client()
    client.force_login(reader)
    checkout = client.get(reverse("billing:subscribe", args=[plan.slug])).content.decode()
    assert "30-day money-back guarantee" in checkout and "within 30 days" in checkout
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(stripe_env, reader, plan)
    receipt = next(m for m in mail.outbox if "receipt" in m.subject)
    assert "(30 days from your first payment)" in receipt.body
    teaser = Client().get(magazine.subscriber_article.url).content.decode()
    assert "12 issues a year" in teaser and "30-day money-back guarantee" in teaser


def test_no_guarantee_when_the_publisher_offers_none(stripe_env: Any, plan: Any, reader: Any) -> None:
    from masthead.billing import guarantee

    terms = MagazineSettings.current()
    terms.guarantee_days = 0
    terms.save()
    sub = subscribe(stripe_env, reader, plan)
    assert not guarantee.guarantee_status(sub).eligible
    assert "money-back" not in Client().get(reverse("billing:plans")).content.decode()


def test_the_old_environment_variable_is_refused_by_name() -> None:
    run = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='masthead.settings'; django.setup()"],
        env={"BILLING_GUARANTEE_DAYS": "30", "DEBUG": "1", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "BILLING_GUARANTEE_DAYS" in run.stderr and "Magazine settings" in run.stderr
