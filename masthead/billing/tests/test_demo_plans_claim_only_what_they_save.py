"""The demo's plans page: what paying yearly saves is said once, computed from the prices — no plan's own
description contradicts it ("two months free" was written into the demo while $99 a year against $12 a month
saves three and three-quarter months)."""

from __future__ import annotations

import re

from django.core.management import call_command


def test_the_demo_plans_page_says_only_the_computed_saving(client, magazine, settings):
    settings.STRIPE_SECRET_KEY = ""
    call_command("setup_billing_demo", verbosity=0)
    html = client.get("/billing/").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Save $45.00 a year (31%) against paying monthly" in text
    assert not re.search(r"(months?|weeks?) free", text, re.IGNORECASE)
