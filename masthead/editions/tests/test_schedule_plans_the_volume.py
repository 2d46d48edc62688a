"""The schedule: twenty-four numbered issues a year, the volume rolling over in January, the next issues made
ahead as drafts — once, whoever asks, and never over an issue that exists."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from masthead.editions.models import Frequency, IssueSchedule
from masthead.editions.schedule import Rule, plan_issues
from masthead.newsroom.models import IssuePage
from masthead.testing import builders


def test_twice_a_month_is_the_1st_and_15th_numbered_1_to_24() -> None:
    slots, dropped = Rule().year(2026)
    assert len(slots) == 24 and not dropped
    assert [s.cover_date for s in slots[:3]] == [date(2026, 1, 1), date(2026, 1, 15), date(2026, 2, 1)]
    assert [s.number for s in slots] == list(range(1, 25))
    assert slots[-1].cover_date == date(2026, 12, 15)
    assert {s.volume for s in slots} == {42}  # volume 40 is 2024


def test_the_volume_rolls_over_in_january_and_numbers_start_again() -> None:
    after_christmas = Rule().slots_from(date(2026, 12, 2), 3)
    assert [(s.volume, s.number, s.cover_date) for s in after_christmas] == [
        (42, 24, date(2026, 12, 15)),
        (43, 1, date(2027, 1, 1)),
        (43, 2, date(2027, 1, 15)),
    ]


def test_the_closing_date_is_days_before_the_cover() -> None:
    slot = Rule(closing_days=10).slot_for(date(2027, 3, 1))
    assert slot is not None and slot.closing_date == date(2027, 2, 19)


def test_every_other_week_keeps_24_and_says_which_dates_get_none() -> None:
    rule = Rule(frequency=Frequency.FORTNIGHTLY, fortnightly_from=date(2026, 1, 9))
    slots, dropped = rule.year(2026)
    assert len(slots) == 24
    assert all((b.cover_date - a.cover_date).days == 14 for a, b in zip(slots, slots[1:], strict=False))
    assert slots[0].cover_date == date(2026, 1, 9) and slots[0].number == 1
    # 2026 has 26 Fridays a fortnight apart from January 9: the last two get no issue.
    assert dropped == [date(2026, 12, 11), date(2026, 12, 25)]


def test_breaks_take_the_place_of_dates_and_renumber_the_rest() -> None:
    rule = Rule(
        frequency=Frequency.FORTNIGHTLY,
        fortnightly_from=date(2026, 1, 9),
        breaks=frozenset({date(2026, 8, 7), date(2026, 12, 25)}),
    )
    slots, dropped = rule.year(2026)
    assert date(2026, 8, 7) not in [s.cover_date for s in slots]
    # 26 dates less two breaks is 24: none is left out, and December 11 is No. 24.
    assert dropped == [] and len(slots) == 24 and slots[-1].cover_date == date(2026, 12, 11)
    after = next(s for s in slots if s.cover_date == date(2026, 8, 21))
    before = next(s for s in slots if s.cover_date == date(2026, 7, 24))
    assert after.number == before.number + 1


def test_an_anchor_in_another_year_counts_whole_fortnights() -> None:
    rule = Rule(frequency=Frequency.FORTNIGHTLY, fortnightly_from=date(2031, 6, 6))
    first = rule.year(2026)[0][0].cover_date
    assert (date(2031, 6, 6) - first).days % 14 == 0 and first.month == 1 and first.day <= 14


def test_a_schedule_setting_refuses_bad_input(db: Any) -> None:
    setting = IssueSchedule(frequency=Frequency.FORTNIGHTLY, breaks="2026-08-07\nnot-a-date")
    with pytest.raises(ValidationError) as caught:
        setting.clean()
    assert "fortnightly_from" in caught.value.message_dict
    assert "not-a-date" in caught.value.message_dict["breaks"][0]


@pytest.fixture
def home(db: Any, settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    home = builders.ensure_home()
    builders.ensure_issue_index(home)
    return home


def test_plan_creates_the_next_issues_as_drafts_once(home: Any) -> None:
    today = date(2026, 12, 2)
    plan = plan_issues(today=today, schedule=Rule(issues_ahead=3))
    assert [(i.volume, i.number, i.cover_date) for i in plan.created] == [
        (42, 24, date(2026, 12, 15)),
        (43, 1, date(2027, 1, 1)),
        (43, 2, date(2027, 1, 15)),
    ]
    drafts = IssuePage.objects.filter(volume=43)
    assert drafts.count() == 2 and not drafts.filter(live=True).exists()
    first = IssuePage.objects.get(volume=43, number=1)
    assert first.slug == "43-1" and first.title == "January 1, 2027" and first.closing_date == date(2026, 12, 25)
    assert first.latest_revision is not None  # an editor opens a normal draft
    again = plan_issues(today=today, schedule=Rule(issues_ahead=3))
    assert again.created == [] and len(again.existing) == 3
    assert IssuePage.objects.count() == 3


def test_plan_leaves_an_issue_the_editor_made_by_hand_alone(home: Any) -> None:
    index = builders.ensure_issue_index(home)
    handmade = builders.make_issue(index, volume=42, number=24, cover_date=date(2026, 12, 16), articles=[])
    plan = plan_issues(today=date(2026, 12, 2), schedule=Rule(issues_ahead=2))
    assert plan.created and plan.created[0].cover_date == date(2027, 1, 1)
    assert [why for _, why in plan.skipped] == ["No. 24 of volume 42 is already December 16, 2026"]
    handmade.refresh_from_db()
    assert handmade.cover_date == date(2026, 12, 16)


def test_saving_the_schedule_plans_ahead(home: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        IssueSchedule.objects.create(site=home.get_site(), issues_ahead=2)
    assert IssuePage.objects.filter(live=False).count() == 2


def test_the_current_issue_is_the_latest_published_one(home: Any) -> None:
    index = builders.ensure_issue_index(home)
    builders.make_issue(index, volume=42, number=22, cover_date=date(2026, 11, 15), articles=[])
    latest = builders.make_issue(index, volume=42, number=23, cover_date=date(2026, 12, 1), articles=[])
    plan_issues(today=date(2026, 12, 2), schedule=Rule(issues_ahead=3))  # later drafts are not current
    current = IssuePage.objects.current()
    assert current is not None and current.pk == latest.pk


def test_the_plan_issues_command_saves_the_default_schedule_and_is_safe_to_repeat(home: Any) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("plan_issues", stdout=out)
    assert IssueSchedule.objects.count() == 1
    drafts = list(IssuePage.objects.filter(live=False).order_by("cover_date"))
    assert len(drafts) == 3 and "3 issue(s) planned" in out.getvalue()
    out = io.StringIO()
    call_command("plan_issues", stdout=out)
    assert "0 issue(s) planned, 3 already there." in out.getvalue()
    assert IssuePage.objects.count() == 3
