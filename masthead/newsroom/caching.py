"""How newsroom pages are cached: what each page is built from, what a publish empties, and serving from shells.

Every page tags what it shows (masthead/core/cachetags.py):

- `page-<pk>` of itself and of every page it shows a piece of: article cards,
  bylines, the issue in an article's kicker. Editing any of them purges it.
- `list-...` of every listing it contains: a section's articles
  (`list-section-<pk>`, also the "More from" box on its articles), the home
  page (`list-home`), an issue's contents, an author's articles, the author
  and issue indexes. Publishing a page purges the listings it may join.

So publishing one article empties that article, every page that shows it,
and the listings it belongs to (its section, home, its issues, its authors,
feeds) — and nothing else. Changes to the site's structure (a section, the
home page, a move, a slug, settings) still purge everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from masthead.core import cachetags, pagecache, routing, shells
from masthead.core.cachetags import list_tag, page_tag

if TYPE_CHECKING:
    from masthead.newsroom.models import ArticlePage


def card_tags(articles: Iterable[Any]) -> set[str]:
    """A card shows the article and its authors' names."""
    tags = set()
    for article in articles:
        tags.add(page_tag(article.pk))
        tags.update(page_tag(author.pk) for author in article.authors)
    return tags


def prepare_cards(
    articles: Sequence[ArticlePage], *, images: Iterable[Any] = (), author_photos_of: Sequence[ArticlePage] = ()
) -> None:
    """Authors and image renditions for these articles (and any other images on the page) in two queries.

    `author_photos_of`: articles (among `articles`) whose authors' photos show too (an article's author notes).
    """
    from masthead.newsroom.models import ArticleAuthor

    if articles:
        authors = ArticleAuthor.objects.select_related("author", "author__photo")
        prefetch_related_objects(list(articles), Prefetch("article_authors", queryset=authors))
    wanted = [article.hero_image for article in articles if article.hero_image_id]
    wanted += [image for image in images if image is not None]
    wanted += [author.photo for article in author_photos_of for author in article.authors if author.photo_id]
    # Images already carrying their renditions (the same image twice) are skipped by Django.
    if wanted:
        prefetch_related_objects(wanted, "renditions")


class ShellPageMixin:
    """Pages served from a shell (masthead/core/shells.py): the same HTML for every reader but a few parts.

    Anonymous readers get it from the page cache and the edge; signed-in
    readers get the shell with their own account link and ads filled in.
    """

    pk: Any
    live_revision_id: Any

    def shell_key(self, request: HttpRequest, variant: str) -> str:
        url = pagecache.url_key(request.META) or ""
        return f"{self.pk}:{self.live_revision_id}:{variant}:{url}"

    def render_page(self, request: HttpRequest, **extra: Any) -> tuple[str, set[str]]:
        """(HTML, tags) of this page's template for `request` (the neutral one when building a shell)."""
        context = self.get_context(request, **extra)  # type: ignore[attr-defined]
        html = render_to_string(self.get_template(request), context, request=request)  # type: ignore[attr-defined]
        return html, set(context.get("cache_tags", ())) | {page_tag(self.pk)}

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        signed_in = bool(request.user.is_authenticated)
        response = shells.respond(
            request,
            key=self.shell_key(request, "page"),
            render=self.render_page,
            reader={},
            shared=not signed_in,
            # Signed-in pages differ per reader (ads hidden for the ad-free): no proxy may keep them.
            private_cache_control="private, no-cache",
        )
        routing.remember(request, self)
        return response

    def cache_purge_tags(self) -> set[str]:
        """What publishing or unpublishing this page empties; by default the whole site (structure pages)."""
        return {cachetags.SITE}

    def get_view_restrictions(self) -> Any:
        # Wagtail asks on every request (two queries). Most magazines have no
        # restricted pages at all; saving a restriction purges `site`.
        from wagtail.models import PageViewRestriction

        if not cachetags.sitewide("view-restrictions-exist", PageViewRestriction.objects.exists):
            none = PageViewRestriction.objects.none()
            # Already evaluated: Wagtail's hook iterates it on every request, and
            # even an empty queryset would be compiled each time.
            none._result_cache = []
            return none
        return super().get_view_restrictions()  # type: ignore[misc]


def article_purge_tags(article: ArticlePage) -> set[str]:
    from masthead.newsroom.models import IssueArticle

    tags = {page_tag(article.pk), cachetags.LIST_ALL, list_tag("home")}
    parent_path = article.path[: -article.steplen]
    from wagtail.models import Page

    parent = Page.objects.filter(path=parent_path).values_list("pk", flat=True).first()
    if parent is not None:
        tags.add(list_tag("section", parent))
    tags.update(list_tag("issue", pk) for pk in IssueArticle.objects.filter(article=article).values_list("issue_id", flat=True))
    tags.update(list_tag("author", rel.author_id) for rel in article.article_authors.all())
    return tags
