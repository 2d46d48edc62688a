"""What the plans page says about each plan: what it includes, and what paying yearly saves.

Every figure here is computed from the plans' prices and the publisher's terms
(MagazineSettings), never written down: "two months free" appears only when a
yearly price really is ten monthly ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from masthead.billing.models import Plan, format_money
from masthead.core.models import MagazineSettings


@dataclass(frozen=True)
class Feature:
    label: str
    included: tuple[bool, ...]  # one per plan, in the plans' order


@dataclass(frozen=True)
class PlanCard:
    plan: Plan
    per: str  # "month" or "year"
    monthly_equivalent: str  # "" for monthly plans
    savings: str  # "" when paying yearly saves nothing (or there is no monthly plan to compare with)
    features: tuple[tuple[str, bool], ...]


def savings_text(yearly: Plan, monthly: Plan | None) -> str:
    """What a yearly plan saves against twelve months of the matching monthly plan, said truthfully."""
    if monthly is None or monthly.currency != yearly.currency or monthly.amount <= 0:
        return ""
    twelve = monthly.amount * 12
    saved = twelve - yearly.amount
    if saved <= 0:
        return ""
    months, rest = divmod(saved, monthly.amount)
    if rest == 0:
        free = "one month" if months == 1 else f"{months} months"
        return f"{free} free: {yearly.price_display} instead of {format_money(twelve, yearly.currency)}"
    percent = saved * 100 // twelve
    return f"Save {format_money(saved, yearly.currency)} a year ({percent}%) against paying monthly"


def _monthly_match(yearly: Plan, plans: Sequence[Plan]) -> Plan | None:
    """The monthly plan with the same contents (print or not) and currency."""
    for other in plans:
        if other.interval == Plan.MONTH and other.includes_print == yearly.includes_print and other.currency == yearly.currency:
            return other
    return None


def features(plans: Sequence[Plan], magazine: MagazineSettings) -> list[Feature]:
    """The offer, row by row: what every plan includes, and the print edition only where a plan has it."""
    every = tuple(True for _ in plans)
    rows = [
        Feature(f"{magazine.issues_per_year} issues a year", every),
        Feature("The digital edition of every issue (EPUB and PDF)", every),
        Feature("The print edition, mailed to you", tuple(p.includes_print for p in plans)),
        Feature("Exclusive subscriber articles", every),
        Feature("Audio for every article", every),
        Feature("Unlimited access to past issues", every),
        Feature("No ads", every),
    ]
    if magazine.guarantee_days:
        rows.append(Feature(f"{magazine.guarantee_days}-day money-back guarantee", every))
    rows.append(Feature("Cancel anytime", every))
    if not any(p.includes_print for p in plans):
        rows = [row for row in rows if not row.label.startswith("The print edition")]
    return rows


def cards(plans: Iterable[Plan], magazine: MagazineSettings) -> tuple[list[PlanCard], list[Feature]]:
    offered = list(plans)
    rows = features(offered, magazine)
    result = []
    for i, plan in enumerate(offered):
        yearly = plan.interval == Plan.YEAR
        result.append(
            PlanCard(
                plan=plan,
                per=plan.interval,
                monthly_equivalent=f"{format_money(round(plan.amount / 12), plan.currency)} a month, billed yearly"
                if yearly
                else "",
                savings=savings_text(plan, _monthly_match(plan, offered)) if yearly else "",
                features=tuple((row.label, row.included[i]) for row in rows),
            )
        )
    return result, rows
