"""Promo codes and tax rates: what staff set in the admin, synced to Stripe; what a reader types at checkout.

A code is checked here before any money moves (so a reader learns at once
that it expired or does not fit their plan), then reserved in the same
transaction that counts its uses: two readers racing for the last use of a
limited code cannot both get it, and one reader uses a code once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.billing.models import Customer, Plan, PromoCode, PromoRedemption, TaxRate, normalise_code
from masthead.billing.provider import Discount, PaymentProvider


class CodeRefused(Exception):
    """A code that cannot be used: the message says why, in the reader's words."""


def discount_of(promo: PromoCode) -> Discount:
    return Discount(
        code=promo.code,
        percent_off=promo.percent_off,
        amount_off=promo.amount_off,
        currency=promo.currency,
        duration=promo.duration,
        duration_in_months=promo.duration_in_months,
        coupon_id=promo.stripe_coupon_id,
        promotion_code_id=promo.stripe_promotion_code_id,
    )


def sync_promo(*, promo: PromoCode, provider: PaymentProvider) -> PromoCode:
    coupon_id, promotion_code_id = provider.sync_discount(
        code=promo.code,
        existing_coupon_id=promo.stripe_coupon_id,
        existing_promotion_code_id=promo.stripe_promotion_code_id,
        terms=discount_of(promo),
    )
    PromoCode.objects.filter(pk=promo.pk).update(stripe_coupon_id=coupon_id, stripe_promotion_code_id=promotion_code_id)
    promo.stripe_coupon_id, promo.stripe_promotion_code_id = coupon_id, promotion_code_id
    return promo


def sync_tax_rate(*, rate: TaxRate, provider: PaymentProvider) -> TaxRate:
    stripe_id = provider.sync_tax_rate(
        existing_id=rate.stripe_id,
        display_name=rate.display_name,
        percentage=str(rate.percentage),
        inclusive=rate.inclusive,
        jurisdiction=rate.jurisdiction,
        active=rate.active,
    )
    TaxRate.objects.filter(pk=rate.pk).update(stripe_id=stripe_id)
    rate.stripe_id = stripe_id
    return rate


def active_tax_rate_ids() -> tuple[str, ...]:
    return tuple(TaxRate.objects.filter(active=True).exclude(stripe_id="").values_list("stripe_id", flat=True))


def check_code(code: str, *, plan: Plan, customer: Customer | None) -> PromoCode:
    """The promo code a reader typed, if it may be used on this plan by them now; CodeRefused says why not."""
    typed = normalise_code(code)
    if not typed:
        raise CodeRefused("Please type a promo code, or leave the field empty.")
    promo = PromoCode.objects.filter(code=typed).first()
    if promo is None or not promo.active:
        raise CodeRefused(f"“{typed}” is not a promo code we know. Check the spelling.")
    if promo.expires_at is not None and promo.expires_at <= timezone.now():
        raise CodeRefused(f"The promo code “{typed}” expired on {timezone.localtime(promo.expires_at):%B %-d, %Y}.")
    if promo.amount_off and promo.currency != plan.currency:
        raise CodeRefused(f"The promo code “{typed}” is for prices in {promo.currency.upper()}.")
    allowed = list(promo.plans.all())
    if allowed and plan not in allowed:
        names = ", ".join(p.name for p in allowed)
        raise CodeRefused(f"The promo code “{typed}” is for {names} only.")
    if promo.max_redemptions is not None and promo.redemptions.count() >= promo.max_redemptions:
        raise CodeRefused(f"The promo code “{typed}” has been used up.")
    if customer is not None and promo.redemptions.filter(customer=customer).exists():
        raise CodeRefused(f"You have already used the promo code “{typed}”.")
    if not promo.stripe_coupon_id:
        raise CodeRefused(f"The promo code “{typed}” is not ready yet. Please try again later.")
    return promo


def reserve(*, promo: PromoCode, customer: Customer, plan: Plan) -> PromoRedemption:
    """Count one use for this reader, or CodeRefused (used up meanwhile, or already theirs)."""
    with transaction.atomic():
        # The promo row is the lock for its count (SQLite serialises writers anyway).
        locked = PromoCode.objects.select_for_update().get(pk=promo.pk)
        check_code(locked.code, plan=plan, customer=customer)
        try:
            with transaction.atomic():
                return PromoRedemption.objects.create(promo=locked, customer=customer)
        except IntegrityError:
            raise CodeRefused(f"You have already used the promo code “{locked.code}”.") from None


def release(redemption: PromoRedemption | None) -> None:
    """The payment did not happen: the use goes back."""
    if redemption is not None:
        PromoRedemption.objects.filter(pk=redemption.pk, subscription__isnull=True).delete()


def attach(redemption: PromoRedemption | None, subscription: Any) -> None:
    if redemption is not None and subscription is not None:
        PromoRedemption.objects.filter(pk=redemption.pk).update(subscription=subscription)
