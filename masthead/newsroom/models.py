"""The magazine's content: home, sections, articles, authors and issues.

Page tree (what the demo and the importer build):

    HomePage  /
      SectionPage  /politics/           ArticlePage  /politics/<slug>/
      AuthorIndexPage  /authors/        AuthorPage   /authors/<slug>/
      IssueIndexPage  /issues/          IssuePage    /issues/<volume>-<number>/
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, Panel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index

from masthead.access.gate import Decision, Reading, anonymous_reading, decide, reading_for, reading_from
from masthead.access.levels import AccessLevel
from masthead.core import cachetags, routing, shells
from masthead.core.blocks import ArticleBodyBlock, not_a_drawing
from masthead.core.cachetags import list_tag, page_tag
from masthead.newsroom.caching import ShellPageMixin, article_purge_tags, card_tags, prepare_cards
from masthead.newsroom.forms import ArticlePageForm
from masthead.newsroom.navigation import menu_sections

WORDS_PER_MINUTE = 230


class CachedForAnonymousMixin(ShellPageMixin):
    """Pages whose HTML is the same for every reader but the per-reader parts (masthead/newsroom/caching.py)."""


class HomePage(CachedForAnonymousMixin, Page):
    intro = models.CharField(max_length=250, blank=True)
    lead_story = models.ForeignKey(
        "newsroom.ArticlePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Leave empty to lead with the newest article.",
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("lead_story")]
    subpage_types = ["newsroom.SectionPage", "newsroom.AuthorIndexPage", "newsroom.IssueIndexPage", "core.InfoPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        latest = live_public(ArticlePage.objects.live()).newest_first().select_related("hero_image")
        lead = self.lead_story if self.lead_story_id and self.lead_story.live else latest.first()
        lead_pk = getattr(lead, "pk", None)
        section_pages = list(SectionPage.objects.live().child_of(self))
        # Two under the lead (with pictures), four more in the sidebar's "Latest".
        top_stories = list(latest.exclude(pk=lead_pk)[:6])
        sections = [(section, articles) for section, articles in self._front_sections(section_pages, lead_pk) if articles]
        current_issue = IssuePage.objects.live().newest_first().select_related("cover_image").first()
        cards = [article for article in [lead, *top_stories] if article is not None]
        cards += [article for _, articles in sections for article in articles]
        prepare_cards(cards, images=[getattr(current_issue, "cover_image", None)])
        if lead is not None:
            with_sections([lead], known=section_pages)
        tags = {list_tag("home"), list_tag("issues"), *card_tags(cards)}
        if current_issue is not None:
            tags.add(page_tag(current_issue.pk))
        context.update(lead=lead, top_stories=top_stories, sections=sections, current_issue=current_issue, cache_tags=tags)
        return context

    def front_article_ids(self) -> set[int]:
        """The articles the home page shows (lead, top stories, each section's newest), as get_context picks them."""
        latest = live_public(ArticlePage.objects.live()).newest_first()
        lead = self.lead_story if self.lead_story_id and self.lead_story.live else latest.first()
        lead_pk = getattr(lead, "pk", None)
        ids = set(latest.exclude(pk=lead_pk).values_list("pk", flat=True)[:4])
        for _, articles in self._front_sections(list(SectionPage.objects.live().child_of(self)), lead_pk):
            ids.update(article.pk for article in articles)
        return ids | ({lead_pk} if lead_pk is not None else set())

    FRONT_PER_SECTION = 4
    # Enough recent articles that every active section finds its four among them.
    FRONT_WINDOW = 120

    def _front_sections(self, section_pages: list[SectionPage], lead_pk: Any) -> list[tuple[SectionPage, list[ArticlePage]]]:
        """Each section's newest four: one query for the recent articles of all of them, one more per quiet section."""
        recent = (
            ArticlePage.objects.live()
            .descendant_of(self)
            .exclude(pk=lead_pk)
            .newest_first()
            .select_related("hero_image")[: self.FRONT_WINDOW]
        )
        by_parent: dict[str, list[ArticlePage]] = {}
        seen = 0
        for article in recent:
            seen += 1
            by_parent.setdefault(article.path[: -article.steplen], []).append(article)
        # Fewer than the window: every live article was seen, so no section has more.
        window_full = seen >= self.FRONT_WINDOW
        found = []
        for section in section_pages:
            articles = by_parent.get(section.path, [])[: self.FRONT_PER_SECTION]
            if len(articles) < self.FRONT_PER_SECTION and window_full:
                # Its newest are older than the window: ask for this section alone.
                articles = list(section.articles().exclude(pk=lead_pk).select_related("hero_image")[: self.FRONT_PER_SECTION])
            found.append((section, articles))
        return found


class SectionPage(CachedForAnonymousMixin, Page):
    """A section such as Politics; editors add and name them."""

    intro = models.TextField(blank=True)
    per_page = 12

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.ArticlePage"]

    def articles(self) -> ArticlePageQuerySet:
        return ArticlePage.objects.live().child_of(self).newest_first()

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.articles().select_related("hero_image"), self.per_page)
        articles = paginator.get_page(request.GET.get("page"))
        articles.object_list = list(articles.object_list)
        prepare_cards(articles.object_list)
        context["articles"] = articles
        context["cache_tags"] = {list_tag("section", self.pk), *card_tags(articles.object_list)}
        return context


class AuthorIndexPage(CachedForAnonymousMixin, Page):
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.AuthorPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        authors = list(AuthorPage.objects.live().child_of(self).order_by("title").select_related("photo"))
        prepare_cards([], images=[author.photo for author in authors])
        context["authors"] = authors
        context["cache_tags"] = {list_tag("authors"), *(page_tag(author.pk) for author in authors)}
        return context

    def cache_purge_tags(self) -> set[str]:
        return {page_tag(self.pk), cachetags.LIST_ALL}


class AuthorPage(CachedForAnonymousMixin, Page):
    """A writer; the page title is the byline name."""

    role = models.CharField(max_length=120, blank=True, help_text="e.g. 'Foreign correspondent'")
    photo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bio = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("role"), FieldPanel("photo"), FieldPanel("bio")]
    search_fields = Page.search_fields + [index.SearchField("bio")]
    parent_page_types = ["newsroom.AuthorIndexPage"]
    subpage_types: list[str] = []

    def articles(self) -> models.QuerySet[ArticlePage]:
        return ArticlePage.objects.live().filter(article_authors__author=self).newest_first().distinct()

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        paginator = Paginator(self.articles().select_related("hero_image"), 12)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = with_sections(page.object_list)
        prepare_cards(page.object_list, images=[self.photo])
        context["articles"] = page
        # Cards here name their section: renaming a section purges the whole site anyway.
        context["cache_tags"] = {list_tag("author", self.pk), *card_tags(page.object_list)}
        return context

    def cache_purge_tags(self) -> set[str]:
        # Bylines everywhere carry this page's tag; the author index lists it.
        return {page_tag(self.pk), list_tag("authors"), cachetags.LIST_ALL}


# What an article card shows: its link (url_path; path and depth for its section), headline,
# standfirst, date, access badge and photo.
CARD_COLUMNS = ("id", "path", "depth", "url_path", "title", "dek", "date", "access", "hero_image")
# What a link to an issue shows (the article kicker).
ISSUE_LINK_COLUMNS = ("id", "path", "depth", "url_path", "title", "cover_date")


class ArticlePageQuerySet(PageQuerySet):
    def newest_first(self) -> ArticlePageQuerySet:
        """The magazine's one order for lists of articles: publication date, then when it went live (pk breaks ties)."""
        return self.order_by("-date", "-first_published_at", "-pk")

    def card_columns(self) -> ArticlePageQuerySet:
        """Only the columns an article card shows (article_card.html, card_tags): a cheaper query
        to build and load than the ~40 of a whole page with its body. Anything else on a card would cost a query per card."""
        return self.only(*CARD_COLUMNS)

    def with_cards(self) -> ArticlePageQuerySet:
        """What a list of article cards needs, without a query per card."""
        return self.select_related("hero_image").prefetch_related("article_authors__author", "hero_image__renditions")


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey("newsroom.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class ArticlePage(ShellPageMixin, Page):
    dek = models.TextField("standfirst", blank=True, help_text="One or two sentences under the headline.")
    date = models.DateField("publication date", default=date.today, help_text="Shown in the byline.")
    access = models.CharField(max_length=16, choices=AccessLevel.choices, default=AccessLevel.PUBLIC)
    hero_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hero_caption = models.CharField(max_length=300, blank=True)
    hero_credit = models.CharField(max_length=120, blank=True)
    body = StreamField(ArticleBodyBlock(), blank=True)
    tags = ClusterTaggableManager(through=ArticleTag, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("dek"),
        InlinePanel("article_authors", label="Author", min_num=1, heading="Byline"),
        FieldRowPanel([FieldPanel("date"), FieldPanel("access")]),
        MultiFieldPanel([FieldPanel("hero_image"), FieldPanel("hero_caption"), FieldPanel("hero_credit")], heading="Photo"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    # Only what every reader may see is indexed: a search must not reveal that
    # a word appears behind the paywall (see search_preview).
    search_fields = Page.search_fields + [
        index.SearchField("dek"),
        index.SearchField("author_names"),
        index.SearchField("search_preview"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("access"),
        index.FilterField("date"),
    ]
    parent_page_types = ["newsroom.SectionPage"]
    subpage_types: list[str] = []
    base_form_class = ArticlePageForm

    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    class Meta:
        verbose_name = "article"

    # --- Derived facts about the article -------------------------------
    @cached_property
    def authors(self) -> list[AuthorPage]:
        return [rel.author for rel in self.article_authors.all() if rel.author is not None]

    @cached_property
    def section(self) -> SectionPage | None:
        parent_path = self.path[: -self.steplen]
        # A section in the menu is known to the process already (the page's menu shows it): no query.
        known = next((section for section in menu_sections() if section.path == parent_path), None)
        if known is not None:
            return known
        # Articles live under sections (parent_page_types): one query, not get_parent() and .specific.
        found = SectionPage.objects.filter(path=parent_path).first()
        if found is not None:
            return found
        parent = self.get_parent()
        return parent.specific if parent is not None else None

    @property
    def is_free(self) -> bool:
        return self.access == AccessLevel.PUBLIC

    def preview_blocks(self) -> list[Any]:
        """The blocks an unentitled reader may see: those above the marker."""
        blocks = []
        for block in self.body:
            if block.block_type == "preview_ends":
                return blocks
            blocks.append(block)
        # No marker: the standfirst is the whole preview.
        return []

    def full_blocks(self) -> list[Any]:
        return [block for block in self.body if block.block_type != "preview_ends"]

    def author_names(self) -> str:
        return ", ".join(rel.author.title for rel in self.article_authors.all() if rel.author is not None)

    def search_preview(self) -> str:
        """The text an anonymous reader sees: full for public articles, the preview for gated ones."""
        return self.plain_text(anonymous_reading(self).blocks)

    def word_count(self) -> int:
        # The words of plain_text(), counted without building it: strip_tags parses every
        # paragraph with an HTML parser, a tenth of a cold article render.
        count = 0
        for block in self.full_blocks():
            if block.block_type == "paragraph":
                count += len(_text_of_rich_text(block.value.source).split())
            elif block.block_type == "heading":
                count += len(str(block.value).split())
            elif block.block_type == "pull_quote":
                count += len(block.value["quote"].split())
        return count

    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count() / WORDS_PER_MINUTE))

    @staticmethod
    def plain_text(blocks: list[Any]) -> str:
        parts = []
        for block in blocks:
            if block.block_type == "paragraph":
                parts.append(strip_tags(block.value.source))
            elif block.block_type == "heading":
                parts.append(str(block.value))
            elif block.block_type == "pull_quote":
                parts.append(block.value["quote"])
        return "\n\n".join(p.strip() for p in parts if p.strip())

    def clean(self) -> None:
        super().clean()
        if self.hero_caption and not self.hero_image:
            raise ValidationError({"hero_caption": "A caption needs a photo; choose the photo or clear the caption."})
        if problem := not_a_drawing(self.hero_image):
            raise ValidationError({"hero_image": problem})

    # --- Rendering ----------------------------------------------------
    #
    # The gate decides first, for this reader, on every request; its answer
    # picks the shell (masthead/core/shells.py): "full", "metered" (full text,
    # the teaser narration: the audio URL never spends a metered read) or
    # "teaser". A shell holds no reader: the meter notice, the subscribe box,
    # the account link and the ads are filled in per request.

    @classmethod
    def routed_queryset(cls) -> models.QuerySet[ArticlePage]:
        """What the first render of a routed article needs besides the page row (core.routing)."""
        return cls.objects.select_related("hero_image")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        decision = decide(request.user, self, request)
        variant = shell_variant(decision)
        reading = Reading(decision=decision)
        request.masthead_reading = reading  # type: ignore[attr-defined]
        response = shells.respond(
            request,
            key=self.shell_key(request, variant),
            render=lambda req: self.render_variant(req, variant),
            reader={"reading": reading},
            shared=decision.shared_cacheable,
        )
        routing.remember(request, self)
        return response

    def render_variant(self, request: HttpRequest, variant: str) -> tuple[str, set[str]]:
        """This article's page as every reader of `variant` sees it (their own parts are holes)."""
        # A remembered route carries the page without its body (core.routing.snapshot).
        page = type(self).routed_queryset().get(pk=self.pk) if self.get_deferred_fields() else self
        return page.render_page(request, reading=reading_from(VARIANT_DECISIONS[variant], page))

    def get_context(self, request: HttpRequest, *args: Any, reading: Any = None, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        if reading is None:
            reading = getattr(request, "masthead_reading", None)
            if reading is None or not reading.blocks:
                reading = reading_for(request, self)
        context["reading"] = reading
        context["blocks"] = reading.blocks
        section = self.section
        context["section"] = section
        related = (
            list(section.articles().exclude(pk=self.pk).card_columns().select_related("hero_image")[:3])
            if isinstance(section, SectionPage)
            else []
        )
        context["related"] = related
        # The kicker shows the issue's title and link: only those columns.
        issue = IssuePage.objects.live().filter(issue_articles__article=self).only(*ISSUE_LINK_COLUMNS).first()
        context["issue"] = issue
        body_images = [block.value["image"] for block in reading.blocks if block.block_type == "image"]
        prepare_cards([self, *related], images=body_images, author_photos_of=[self])
        tags = {*card_tags([self, *related]), list_tag("section", getattr(section, "pk", "none"))}
        if issue is not None:
            tags.add(page_tag(issue.pk))
        context["cache_tags"] = tags
        return context

    def cache_purge_tags(self) -> set[str]:
        return article_purge_tags(self)


# Rich text as Wagtail stores it: every tag well formed, "<" in text escaped as &lt;.
_TAG_RE = re.compile(r"<[^<>]*>")
_NOT_A_TAG_RE = re.compile(r"<(?![A-Za-z/])")


def _text_of_rich_text(source: str) -> str:
    """strip_tags(source), by a regular expression when every "<" opens a plain tag (comments,
    doctypes and stray "<" go to strip_tags): the same words at a fraction of the cost."""
    if _NOT_A_TAG_RE.search(source):
        return strip_tags(source)
    return _TAG_RE.sub("", source)


def shell_variant(decision: Any) -> str:
    """Which shell a reader with this decision gets: never a fuller one than the gate allowed."""
    if not decision.full:
        return "teaser"
    return "metered" if decision.reason == "metered" else "full"


# What each shell is rendered under: the same for every reader it serves.
VARIANT_DECISIONS = {
    "full": Decision(full=True, shared_cacheable=False, reason="entitled"),
    "metered": Decision(full=True, shared_cacheable=False, reason="metered"),
    "teaser": Decision(full=False, shared_cacheable=False, reason="subscribe"),
}


def with_sections(articles: Iterable[ArticlePage], *, known: Iterable[SectionPage] = ()) -> list[ArticlePage]:
    """The articles with each one's section filled in by one query for the lot (none for `known` sections)."""
    articles = list(articles)
    if not articles:
        return articles
    # The sections in the menu are known to the process (menu_sections): a query only for the others.
    by_path: dict[str, Any] = {section.path: section for section in (*menu_sections(), *known)}
    parents = {a.path[: -a.steplen] for a in articles} - set(by_path)
    if parents:
        # Articles live under sections (parent_page_types): one query, not a page query and a .specific one.
        by_path.update({page.path: page for page in SectionPage.objects.filter(path__in=parents)})
    for article in articles:
        article.__dict__["section"] = by_path.get(article.path[: -article.steplen])
    return articles


def live_public(queryset: Any) -> Any:
    """queryset.public(), without its query for view restrictions while the site has none."""
    from wagtail.models import PageViewRestriction

    if cachetags.sitewide("view-restrictions-exist", PageViewRestriction.objects.exists):
        return queryset.public()
    return queryset


class ArticleAuthor(Orderable):
    page = ParentalKey(ArticlePage, related_name="article_authors", on_delete=models.CASCADE)
    author = models.ForeignKey(AuthorPage, related_name="+", on_delete=models.CASCADE)

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "author"], name="article_author_once")]


class IssueIndexPage(CachedForAnonymousMixin, Page):
    """The back-issue archive."""

    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.IssuePage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        issues = IssuePage.objects.live().child_of(self).newest_first().select_related("cover_image")
        page = Paginator(issues, 24).get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        prepare_cards([], images=[issue.cover_image for issue in page.object_list])
        context["issues"] = page
        # Grouped by the cover date's year, newest first (the list is already in that order).
        years: dict[int, list[IssuePage]] = {}
        for issue in page.object_list:
            years.setdefault(issue.cover_date.year, []).append(issue)
        context["years"] = list(years.items())
        context["cache_tags"] = {list_tag("issues"), *(page_tag(issue.pk) for issue in page.object_list)}
        return context

    def cache_purge_tags(self) -> set[str]:
        return {page_tag(self.pk), cachetags.LIST_ALL}


class IssuePageQuerySet(PageQuerySet):
    def newest_first(self) -> IssuePageQuerySet:
        """The one order for lists of issues: the latest cover date first."""
        return self.order_by("-cover_date", "-volume", "-number")

    def current(self) -> IssuePage | None:
        """The current issue: the latest published one (home page, archive, newsletters all ask this)."""
        found = self.live().newest_first().first()
        return found.specific if found is not None else None


class SlotPanel(Panel):
    """A read-only place in the page editor that other apps fill (core's slots: ``slot:<name>`` hooks
    get ``page`` and ``request``), so a lower app's form can show what a higher app knows."""

    def __init__(self, slot: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.slot = slot

    def clone_kwargs(self) -> dict[str, Any]:
        return {**super().clone_kwargs(), "slot": self.slot}

    @property
    def clean_name(self) -> str:
        return str(super().clean_name or f"slot-{self.slot}")

    class BoundPanel(Panel.BoundPanel):
        template_name = "newsroom/admin/slot_panel.html"

        def get_context_data(self, parent_context: Any = None) -> Any:
            from masthead.core.templatetags.slots import fill

            context = super().get_context_data(parent_context)
            context["html"] = fill(self.panel.slot, parent_context or {}, page=self.instance, request=self.request)
            return context

        def is_shown(self) -> bool:
            return bool(getattr(self.instance, "pk", None))


class IssuePage(CachedForAnonymousMixin, Page):
    volume = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(help_text="Issue number within the volume (1–24).")
    cover_date = models.DateField()
    closing_date = models.DateField(
        null=True,
        blank=True,
        help_text="The print run is taken on this day: print subscribers then get this issue. "
        "Blank: a week before the cover date.",
    )
    cover_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cover_lines = models.TextField(
        blank=True, help_text="The lines on the cover, one per line. Blank: the first three headlines of the contents."
    )
    intro = models.TextField("editor's letter", blank=True, help_text="The editor's letter: each line is a paragraph.")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("volume"), FieldPanel("number"), FieldPanel("cover_date"), FieldPanel("closing_date")]),
        MultiFieldPanel([FieldPanel("cover_image"), FieldPanel("cover_lines")], heading="Cover"),
        FieldPanel("intro"),
        InlinePanel(
            "issue_articles",
            label="Article",
            heading="Contents",
            help_text="In reading order. Articles are grouped under their section (or the heading you give), "
            "groups in the order their first article appears.",
        ),
        SlotPanel("issue-publishing", heading="Publishing"),
    ]
    parent_page_types = ["newsroom.IssueIndexPage"]
    subpage_types: list[str] = []

    objects = PageManager.from_queryset(IssuePageQuerySet)()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["volume", "number"], name="issue_volume_number_unique")]

    def clean(self) -> None:
        super().clean()
        if self.number is not None and not 1 <= self.number <= 24:
            raise ValidationError({"number": "An issue number runs from 1 to 24 (twenty-four issues a year)."})
        if problem := not_a_drawing(self.cover_image):
            raise ValidationError({"cover_image": problem})

    def contents(self) -> list[ArticlePage]:
        """The published articles in reading order (grouped as ``contents_by_section`` groups them)."""
        return [article for _, articles in self.contents_by_section() for article in articles]

    def contents_by_section(self, *, live_only: bool = True) -> list[tuple[str, list[ArticlePage]]]:
        """(heading, articles) in the editor's order: a row's heading, else its article's section;
        a group sits where its first article is. The one rule for the issue page, the reader and the files."""
        # pk breaks ties (rows saved without a position), so every database gives the same order.
        rows = list(
            self.issue_articles.select_related("article", "article__hero_image")
            .prefetch_related(Prefetch("article__article_authors", queryset=ArticleAuthor.objects.select_related("author")))
            .order_by("sort_order", "pk")
        )
        rows = [row for row in rows if row.article is not None and (row.article.live or not live_only)]
        with_sections([row.article for row in rows])
        groups: dict[str, list[ArticlePage]] = {}
        for row in rows:
            section = row.article.section
            heading = row.heading.strip() or (section.title if section is not None else "")
            groups.setdefault(heading, []).append(row.article)
        return list(groups.items())

    def cover_line_list(self, contents: list[ArticlePage] | None = None) -> list[str]:
        """The editor's cover lines, or else the first three headlines of the contents."""
        lines = [line.strip() for line in self.cover_lines.splitlines() if line.strip()]
        if lines:
            return lines
        return [article.title for article in (self.contents() if contents is None else contents)[:3]]

    def letter_paragraphs(self) -> list[str]:
        return [line.strip() for line in self.intro.splitlines() if line.strip()]

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        groups = self.contents_by_section()
        contents = [article for _, articles in groups for article in articles]
        prepare_cards([], images=[self.cover_image])
        context.update(contents=contents, groups=groups, cover_lines=self.cover_line_list(contents))
        context["cache_tags"] = {list_tag("issue", self.pk), *card_tags(contents)}
        return context

    def cache_purge_tags(self) -> set[str]:
        # The issue index and the home page's "In this issue" list it; its articles name it in their kicker.
        articles = self.issue_articles.values_list("article_id", flat=True)
        return {page_tag(self.pk), list_tag("issues"), list_tag("home"), cachetags.LIST_ALL, *(page_tag(pk) for pk in articles)}


class IssueArticle(Orderable):
    issue = ParentalKey(IssuePage, related_name="issue_articles", on_delete=models.CASCADE)
    article = models.ForeignKey(ArticlePage, related_name="issue_articles", on_delete=models.CASCADE)
    heading = models.CharField(
        "section heading",
        max_length=80,
        blank=True,
        help_text="The heading this article sits under in the contents. Blank: its section (e.g. Politics).",
    )

    panels = [FieldRowPanel([FieldPanel("article"), FieldPanel("heading")])]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["issue", "article"], name="issue_article_once")]
