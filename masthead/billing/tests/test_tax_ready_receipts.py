"""Receipts a business can file: the seller, the buyer's name, address and VAT ID, subtotal, discount, tax, total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from masthead.billing import promos, services
from masthead.billing.models import Customer, Payment, PromoCode, TaxRate
from masthead.billing.tests.conftest import confirm_card, make_reader, subscribe


def test_tax_and_buyer_details_are_on_the_receipt(
    stripe_env: Any, plan: Any, reader: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rate = TaxRate.objects.create(display_name="VAT", percentage=Decimal("20"), jurisdiction="DE")
    promos.sync_tax_rate(rate=rate, provider=services.get_provider())
    client = Client()
    client.force_login(reader)
    saved = client.post(
        reverse("billing:details"),
        {
            "billing_name": "Acme  GmbH",
            "billing_address": "Hauptstr. 1\n10115 Berlin",
            "billing_country": "de",
            "tax_id": "de 123 456 789",
        },
    )
    assert saved.status_code == 302
    assert Customer.objects.get(user=reader).tax_id == "DE123456789"
    with django_capture_on_commit_callbacks(execute=True):
        sub = subscribe(stripe_env, reader, plan)
    payment = Payment.objects.get(subscription=sub)
    assert (payment.subtotal, payment.tax, payment.amount) == (1200, 240, 1440)
    assert payment.tax_description == "VAT 20%"
    assert (payment.buyer_name, payment.buyer_tax_id) == ("Acme GmbH", "DE123456789")
    page = client.get(reverse("billing:receipt", args=[payment.pk])).content.decode()
    for text in ("Acme GmbH", "Hauptstr. 1<br>10115 Berlin", "DE123456789", "VAT 20%", "$2.40", "$14.40", "Masthead Publishing"):
        assert text in page, text
    receipt = next(m for m in mail.outbox if "receipt" in m.subject)
    assert "VAT 20%: $2.40" in receipt.body and "VAT / tax ID: DE123456789" in receipt.body
    # Later edits do not rewrite a receipt already issued.
    client.post(
        reverse("billing:details"), {"billing_name": "Someone Else", "billing_address": "", "billing_country": "", "tax_id": ""}
    )
    assert "Acme GmbH" in client.get(reverse("billing:receipt", args=[payment.pk])).content.decode()


def test_a_discount_is_its_own_line(stripe_env: Any, plan: Any, reader: Any) -> None:
    promo = promos.sync_promo(promo=PromoCode.objects.create(code="HALF", percent_off=50), provider=services.get_provider())
    checkout = services.start_checkout(user=reader, plan=plan)
    confirm_card(stripe_env, checkout.client_secret)
    sub = services.complete_subscription(user=reader, plan=plan, setup_intent_id=checkout.setup_intent_id, code=promo.code)
    client = Client()
    client.force_login(reader)
    page = client.get(reverse("billing:receipt", args=[Payment.objects.get(subscription=sub).pk])).content.decode()
    assert "Discount" in page and "−$6.00" in page and "$12.00" in page


def test_a_receipt_is_only_its_buyers(stripe_env: Any, plan: Any, reader: Any) -> None:
    sub = subscribe(stripe_env, reader, plan)
    stranger = Client()
    stranger.force_login(make_reader("stranger"))
    assert stranger.get(reverse("billing:receipt", args=[Payment.objects.get(subscription=sub).pk])).status_code == 404


def test_bad_billing_details_are_refused_by_field(stripe_env: Any, reader: Any) -> None:
    client = Client()
    client.force_login(reader)
    page = client.post(reverse("billing:details"), {"billing_country": "Germany", "tax_id": "DE<script>"})
    html = page.content.decode()
    assert page.status_code == 200 and "two-letter country code" in html and "letters, digits" in html
    assert not Customer.objects.filter(user=reader).exclude(tax_id="").exists()
