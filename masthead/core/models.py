"""Site-wide settings an editor can change without a deploy."""

from __future__ import annotations

import copy
from typing import Any

from django.db import models
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from masthead.core import cachetags


@register_setting(icon="cog")
class MagazineSettings(BaseSiteSetting):
    name = models.CharField(max_length=120, default="The Masthead Review")
    tagline = models.CharField(max_length=200, blank=True, default="Independent reporting, twenty-four issues a year")
    publisher = models.CharField(max_length=120, blank=True, default="Masthead Publishing")
    twitter_handle = models.CharField(max_length=40, blank=True, help_text="Without the @, for Twitter cards.")
    issues_per_year = models.PositiveSmallIntegerField(default=24)

    class Meta:
        verbose_name = "Magazine settings"

    @classmethod
    def for_site(cls, site: Any) -> MagazineSettings:
        """Every page shows these; kept per process until a settings save purges the site (core.signals)."""
        if site is None or site.pk is None:
            return super().for_site(site)
        found = cachetags.sitewide(f"magazine-settings:{site.pk}", lambda: super(MagazineSettings, cls).for_site(site))
        # Each caller gets its own copy: Wagtail hangs the request on it.
        return copy.copy(found)
