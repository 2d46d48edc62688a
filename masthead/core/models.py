"""Site-wide settings an editor can change without a deploy."""

from __future__ import annotations

import copy
from typing import Any

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page, Site
from wagtail.search import index

from masthead.core import branding, cachetags


@register_setting(icon="cog")
class MagazineSettings(BaseSiteSetting):
    name = models.CharField(max_length=120, default="The Masthead Review")
    tagline = models.CharField(max_length=200, blank=True, default="Independent reporting, twenty-four issues a year")
    publisher = models.CharField(max_length=120, blank=True, default="Masthead Publishing")
    twitter_handle = models.CharField(max_length=40, blank=True, help_text="Without the @, for Twitter cards.")
    issues_per_year = models.PositiveSmallIntegerField(
        default=24, help_text="Said wherever the offer is described (plans, paywall, receipts)."
    )
    # The publisher's promise, so it lives beside the other terms rather than in the
    # deployment's environment: every page, email and the refund rule read this one number.
    guarantee_days = models.PositiveSmallIntegerField(
        default=60,
        help_text="The money-back guarantee: days from a reader's first payment in which they may ask for a full refund "
        "(day N is inside). 0 offers no guarantee.",
    )
    # The brand (masthead/core/branding.py): the header, the favicon and the podcast cover are drawn from these.
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="SVG (best: sharp at every size), or PNG, WebP or JPEG; wide rather than tall, on a transparent "
        "or white ground. Shown in the header instead of the name; the favicon and the podcast cover are drawn "
        "from it. An SVG keeps only what draws: scripts, links and embedded web content are removed on upload.",
    )
    accent_colour = models.CharField(
        max_length=7,
        default=branding.DEFAULT_ACCENT,
        validators=[branding.validate_accent],
        help_text="Buttons, rules and highlights, e.g. #9d1c1c. White text must be readable on it.",
    )
    accent_dark_colour = models.CharField(
        max_length=7,
        default=branding.DEFAULT_ACCENT_DARK,
        validators=[branding.validate_accent_dark],
        help_text="Section labels and links in articles: a darker shade of the accent, readable on the page.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("tagline"),
        FieldPanel("publisher"),
        FieldPanel("twitter_handle"),
        FieldPanel("issues_per_year"),
        FieldPanel("guarantee_days"),
        MultiFieldPanel(
            [FieldPanel("logo"), FieldRowPanel([FieldPanel("accent_colour"), FieldPanel("accent_dark_colour")])],
            heading="Brand",
            help_text="The favicon and the podcast cover are drawn from the logo and the accent colour.",
        ),
    ]

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

    @classmethod
    def current(cls, request: Any = None) -> MagazineSettings:
        """The one source of the magazine's name and terms: the admin's Magazine settings.

        For the request's site when there is a request (pages, feeds), else the
        default site's (emails, tasks); an unsaved default when no site exists yet.
        """
        # Site.find_for_request answers None (it raises nothing) when no site matches and none is the
        # default; for_request would then ask for the settings of site None, which raises.
        if request is not None and Site.find_for_request(request) is not None:
            return cls.for_request(request)
        site = Site.objects.filter(is_default_site=True).first()
        return cls.for_site(site) if site is not None else cls()


class SharedCounter(models.Model):
    """A count that every web worker sees, kept until `expires_at` (masthead/core/counters.py).

    Throttles and one-time tokens live here in the embedded default; with
    REDIS_URL they live in Redis and this table stays empty.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class InfoPage(Page):
    """A plain page an editor writes: About, Contact, Privacy, Terms.

    Those marked "show in menus" are linked from the footer.
    """

    body = RichTextField(features=["h2", "h3", "bold", "italic", "link", "ol", "ul"], blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]
    subpage_types: list[str] = []
    template = "core/info_page.html"

    class Meta:
        verbose_name = "information page"
