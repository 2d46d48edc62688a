"""The publishing schedule: which cover dates a year has, what volume and number each gets, and the
upcoming issues kept ready as drafts.

The date arithmetic is pure (``Rule`` and its methods take no database), so the rollover and the
numbering are tested without pages. ``plan_issues`` is the one write: it creates the drafts that are
missing, never touches an issue that exists, and is safe to run at any time and more than once (the
``(volume, number)`` unique constraint settles a race).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.editions.models import Frequency, IssueSchedule

log = logging.getLogger(__name__)

ISSUES_PER_YEAR = 24


@dataclass(frozen=True)
class Slot:
    volume: int
    number: int
    cover_date: date
    closing_date: date

    @property
    def slug(self) -> str:
        return f"{self.volume}-{self.number}"

    @property
    def title(self) -> str:
        return f"{self.cover_date:%B} {self.cover_date.day}, {self.cover_date.year}"


@dataclass(frozen=True)
class Rule:
    frequency: str = Frequency.SEMIMONTHLY
    fortnightly_from: date | None = None
    breaks: frozenset[date] = frozenset()
    reference_year: int = 2024
    reference_volume: int = 40
    closing_days: int = 7
    issues_ahead: int = 3

    @classmethod
    def from_settings(cls, schedule: IssueSchedule) -> Rule:
        return cls(
            frequency=schedule.frequency,
            fortnightly_from=schedule.fortnightly_from,
            breaks=frozenset(schedule.break_dates()),
            reference_year=schedule.reference_year,
            reference_volume=schedule.reference_volume,
            closing_days=schedule.closing_days,
            issues_ahead=schedule.issues_ahead,
        )

    def volume_of(self, year: int) -> int:
        return self.reference_volume + (year - self.reference_year)

    def candidate_dates(self, year: int) -> list[date]:
        """Every cover date the frequency gives in a year, before breaks and the cap of 24."""
        if self.frequency == Frequency.FORTNIGHTLY:
            anchor = self.fortnightly_from or date(year, 1, 1)
            first = date(year, 1, 1)
            # The first date on or after January 1st that is a whole number of fortnights from the anchor.
            offset = (anchor - first).days % 14
            day = first + timedelta(days=offset)
            found = []
            while day.year == year:
                found.append(day)
                day += timedelta(days=14)
            return found
        return [date(year, month, day) for month in range(1, 13) for day in (1, 15)]

    def year(self, year: int) -> tuple[list[Slot], list[date]]:
        """(the year's issues numbered 1…, the dates left out because the year already has 24)."""
        dates = [d for d in self.candidate_dates(year) if d not in self.breaks]
        kept, dropped = dates[:ISSUES_PER_YEAR], dates[ISSUES_PER_YEAR:]
        volume = self.volume_of(year)
        slots = [
            Slot(volume, number, cover, cover - timedelta(days=self.closing_days)) for number, cover in enumerate(kept, start=1)
        ]
        return slots, dropped

    def slots_from(self, start: date, count: int) -> list[Slot]:
        """The next ``count`` issues with a cover date on or after ``start``, across year ends."""
        found: list[Slot] = []
        year = start.year
        # A year can be all breaks; stop looking after a few empty ones rather than loop forever.
        empty_years = 0
        while len(found) < count and empty_years < 3:
            slots = [slot for slot in self.year(year)[0] if slot.cover_date >= start]
            empty_years = 0 if slots else empty_years + 1
            found.extend(slots)
            year += 1
        return found[:count]

    def slot_for(self, cover_date: date) -> Slot | None:
        return next((slot for slot in self.year(cover_date.year)[0] if slot.cover_date == cover_date), None)


def rule(site: Any = None) -> Rule:
    from wagtail.models import Site

    site = site or Site.objects.filter(is_default_site=True).first()
    if site is None:
        return Rule()
    return Rule.from_settings(IssueSchedule.for_site(site))


@dataclass
class Plan:
    created: list[Any] = field(default_factory=list)
    existing: list[Any] = field(default_factory=list)
    # (slot, why it was not created): a number or web address already used by another issue.
    skipped: list[tuple[Slot, str]] = field(default_factory=list)


def plan_issues(*, today: date | None = None, schedule: Rule | None = None) -> Plan:
    """Create the upcoming issues (cover date today or later) that do not exist yet, as drafts."""
    from masthead.newsroom.models import HomePage, IssuePage
    from masthead.newsroom.site_setup import ensure_issue_index

    today = today or timezone.localdate()
    home = HomePage.objects.first()
    plan = Plan()
    if home is None:
        return plan
    schedule = schedule or rule(home.get_site())
    index = ensure_issue_index(home)
    for slot in schedule.slots_from(today, schedule.issues_ahead):
        same = IssuePage.objects.filter(volume=slot.volume, number=slot.number).first()
        if same is not None:
            if same.cover_date == slot.cover_date:
                plan.existing.append(same)
            else:
                plan.skipped.append((slot, f"No. {slot.number} of volume {slot.volume} is already {same.title}"))
            continue
        on_day = IssuePage.objects.filter(cover_date=slot.cover_date).first()
        if on_day is not None:
            plan.existing.append(on_day)
            continue
        if IssuePage.objects.filter(slug=slot.slug).exists():
            plan.skipped.append((slot, f"the web address /issues/{slot.slug}/ is taken"))
            continue
        try:
            with transaction.atomic():
                issue = IssuePage(
                    title=slot.title,
                    slug=slot.slug,
                    volume=slot.volume,
                    number=slot.number,
                    cover_date=slot.cover_date,
                    closing_date=slot.closing_date,
                    live=False,
                )
                index.add_child(instance=issue)
                issue.save_revision(log_action=True)
        except IntegrityError:
            # Planned at the same moment by another process: theirs stands.
            found = IssuePage.objects.filter(volume=slot.volume, number=slot.number).first()
            if found is not None:
                plan.existing.append(found)
            continue
        log.info("planned issue %s (%s) as a draft", slot.slug, slot.cover_date)
        plan.created.append(issue)
    return plan
