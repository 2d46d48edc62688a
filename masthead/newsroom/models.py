"""The magazine's content: home, sections, articles, authors and issues.

Page tree (what the demo and the importer build):

    HomePage  /
      SectionPage  /politics/           ArticlePage  /politics/<slug>/
      AuthorIndexPage  /authors/        AuthorPage   /authors/<slug>/
      IssueIndexPage  /issues/          IssuePage    /issues/<volume>-<number>/
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
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

from masthead.access.gate import anonymous_reading, reading_for
from masthead.access.levels import AccessLevel
from masthead.core.blocks import ArticleBodyBlock
from masthead.core.pagecache import mark_shared_cacheable

WORDS_PER_MINUTE = 230


class CachedForAnonymousMixin:
    """Pages whose HTML is the same for every anonymous reader."""

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        if not request.user.is_authenticated:
            mark_shared_cacheable(response)
        else:
            # Signed-in pages differ per reader (ads hidden for the ad-free): no proxy may keep them.
            response["Cache-Control"] = "private, no-cache"
        return response


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
    subpage_types = ["newsroom.SectionPage", "newsroom.AuthorIndexPage", "newsroom.IssueIndexPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        latest = ArticlePage.objects.live().public().newest_first()
        lead = self.lead_story if self.lead_story and self.lead_story.live else latest.first()
        sections = []
        for section in SectionPage.objects.live().child_of(self).specific():
            articles = list(section.articles().exclude(pk=getattr(lead, "pk", None)).with_cards()[:4])
            if articles:
                sections.append((section, articles))
        context.update(
            lead=lead,
            top_stories=list(latest.exclude(pk=getattr(lead, "pk", None)).with_cards()[:4]),
            sections=sections,
            current_issue=IssuePage.objects.current(),
        )
        return context


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
        paginator = Paginator(self.articles().with_cards(), self.per_page)
        context["articles"] = paginator.get_page(request.GET.get("page"))
        return context


class AuthorIndexPage(CachedForAnonymousMixin, Page):
    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.AuthorPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["authors"] = AuthorPage.objects.live().child_of(self).order_by("title").select_related("photo")
        return context


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
        paginator = Paginator(self.articles().with_cards(), 12)  # type: ignore[attr-defined]
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = with_sections(page.object_list)
        context["articles"] = page
        return context


class ArticlePageQuerySet(PageQuerySet):
    def newest_first(self) -> ArticlePageQuerySet:
        """The magazine's one order for lists of articles: publication date, then when it went live (pk breaks ties)."""
        return self.order_by("-date", "-first_published_at", "-pk")

    def with_cards(self) -> ArticlePageQuerySet:
        """What a list of article cards needs, without a query per card."""
        return self.select_related("hero_image").prefetch_related("article_authors__author", "hero_image__renditions")


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey("newsroom.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class ArticlePage(Page):
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

    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    class Meta:
        verbose_name = "article"

    # --- Derived facts about the article -------------------------------
    @cached_property
    def authors(self) -> list[AuthorPage]:
        return [rel.author for rel in self.article_authors.all() if rel.author is not None]

    @cached_property
    def section(self) -> SectionPage | None:
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
        return len(self.plain_text(self.full_blocks()).split())

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

    # --- Rendering ----------------------------------------------------
    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reading = reading_for(request, self)
        request.masthead_reading = reading  # type: ignore[attr-defined]
        response = super().serve(request, *args, **kwargs)
        if reading.shared_cacheable:
            mark_shared_cacheable(response)
        else:
            # Personal: neither our cache nor a proxy may keep it for another reader.
            response["Cache-Control"] = "private, no-store"
        return response

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        reading = getattr(request, "masthead_reading", None) or reading_for(request, self)
        context["reading"] = reading
        context["blocks"] = reading.blocks
        section = self.section
        context["section"] = section
        context["related"] = (
            list(section.articles().exclude(pk=self.pk).with_cards()[:3]) if isinstance(section, SectionPage) else []
        )
        context["issue"] = IssuePage.objects.live().filter(issue_articles__article=self).first()
        return context


def with_sections(articles: Iterable[ArticlePage]) -> list[ArticlePage]:
    """The articles with each one's section filled in by one query for the lot, not two per article."""
    articles = list(articles)
    parents = {a.path[: -a.steplen] for a in articles}
    by_path = {page.path: page for page in Page.objects.filter(path__in=parents).specific()}
    for article in articles:
        article.__dict__["section"] = by_path.get(article.path[: -article.steplen])
    return articles


class ArticleAuthor(Orderable):
    page = ParentalKey(ArticlePage, related_name="article_authors", on_delete=models.CASCADE)
    author = models.ForeignKey(AuthorPage, related_name="+", on_delete=models.CASCADE)

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "author"], name="article_author_once")]


class IssueIndexPage(CachedForAnonymousMixin, Page):
    """The back-issue archive, a year at a time (two on the first page), each year's covers newest first."""

    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.IssuePage"]
    max_count = 1
    YEARS_PER_PAGE = 2

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        issues = IssuePage.objects.live().child_of(self)
        years = sorted({d.year for d in issues.dates("cover_date", "year")}, reverse=True)
        asked = request.GET.get("year", "")
        shown = [int(asked)] if asked.isdigit() and int(asked) in years else years[: self.YEARS_PER_PAGE]
        listed = (
            issues.filter(cover_date__year__in=shown)
            .newest_first()
            .select_related("cover_image")
            .prefetch_related("cover_image__renditions")
        )
        by_year: dict[int, list[IssuePage]] = {year: [] for year in shown}
        for issue in listed:
            by_year[issue.cover_date.year].append(issue)
        context.update(years=years, shown_years=shown, issues_by_year=list(by_year.items()))
        return context


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
    intro = models.TextField(
        "editor's letter", blank=True, help_text="The editor's letter: each line is a paragraph."
    )

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

    def contents(self) -> list[ArticlePage]:
        """The published articles in reading order (grouped as ``contents_by_section`` groups them)."""
        return [article for _, articles in self.contents_by_section() for article in articles]

    def contents_by_section(self, *, live_only: bool = True) -> list[tuple[str, list[ArticlePage]]]:
        """(heading, articles) in the editor's order: a row's heading, else its article's section;
        a group sits where its first article is. The one rule for the issue page, the reader and the files."""
        # pk breaks ties (rows saved without a position), so every database gives the same order.
        rows = list(
            self.issue_articles.select_related("article", "article__hero_image")
            .prefetch_related("article__article_authors__author")
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
        context.update(contents=contents, groups=groups, cover_lines=self.cover_line_list(contents))
        return context


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
