"""The staff members CSV carries each reader's Stripe customer id, supplied by billing through a hook."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth import get_user_model

from masthead.billing.models import Customer
from masthead.members import csv_io
from masthead.members.staff_queries import readers


def test_export_fills_stripe_customer_id_from_billing(db: Any) -> None:
    payer = get_user_model().objects.create_user("payer", "payer@example.com", None)
    get_user_model().objects.create_user("free", "free@example.com", None)
    Customer.objects.create(user=payer, stripe_id="cus_Test123")
    out = io.StringIO()
    csv_io.write_csv(readers(), out)
    rows = {r["email"]: r["stripe_customer_id"] for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows == {"payer@example.com": "cus_Test123", "free@example.com": ""}
