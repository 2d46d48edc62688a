"""python manage.py plan_issues: create the upcoming issues the schedule calls for, as drafts.

Safe to run at any time and more than once (an issue that exists is left alone). The schedule is the
Issue schedule setting in the admin; without one, the default (the 1st and the 15th) is saved first so
publishing an issue keeps the drafts coming from then on.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from wagtail.models import Site

from masthead.editions.models import IssueSchedule
from masthead.editions.schedule import plan_issues


class Command(BaseCommand):
    help = "Create the next issues of the schedule as drafts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(is_default_site=True).first()
        if site is not None:
            IssueSchedule.for_site(site)  # saves the default schedule if there is none yet
        plan = plan_issues()
        for issue in plan.created:
            self.stdout.write(f"planned {issue.slug} ({issue.cover_date:%B %-d, %Y}) as a draft")
        for slot, why in plan.skipped:
            self.stderr.write(f"not planned: {slot.slug} ({slot.cover_date}): {why}")
        self.stdout.write(f"{len(plan.created)} issue(s) planned, {len(plan.existing)} already there.")
