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
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
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
            current_issue=IssuePage.objects.live().newest_first().first(),
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
    """The back-issue archive."""

    parent_page_types = ["newsroom.HomePage"]
    subpage_types = ["newsroom.IssuePage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        issues = IssuePage.objects.live().child_of(self).newest_first().select_related("cover_image")
        context["issues"] = Paginator(issues, 24).get_page(request.GET.get("page"))
        return context


class IssuePageQuerySet(PageQuerySet):
    def newest_first(self) -> IssuePageQuerySet:
        """The one order for lists of issues: the latest cover date first."""
        return self.order_by("-cover_date", "-volume", "-number")


class IssuePage(CachedForAnonymousMixin, Page):
    volume = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField(help_text="Issue number within the volume (1–24).")
    cover_date = models.DateField()
    cover_image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    intro = models.TextField(blank=True, help_text="The editor's letter or a line about this issue.")

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("volume"), FieldPanel("number"), FieldPanel("cover_date")]),
        FieldPanel("cover_image"),
        FieldPanel("intro"),
        InlinePanel("issue_articles", label="Article", heading="Table of contents"),
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
        rows = self.issue_articles.select_related("article", "article__hero_image").prefetch_related(
            "article__article_authors__author"
        )
        return [row.article for row in rows if row.article is not None and row.article.live]

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["contents"] = self.contents()
        return context


class IssueArticle(Orderable):
    issue = ParentalKey(IssuePage, related_name="issue_articles", on_delete=models.CASCADE)
    article = models.ForeignKey(ArticlePage, related_name="issue_articles", on_delete=models.CASCADE)

    panels = [FieldPanel("article")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["issue", "article"], name="issue_article_once")]
