"""Build the demo magazine from nothing, idempotently.

Each step looks for what it would create and leaves it alone if found, so
`setup_demo` can run on every start: the first run builds the magazine, later
runs take a second and change nothing an editor may have edited since.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.images import get_image_model

from masthead.newsroom import artwork, site_setup
from masthead.newsroom.demo import tables
from masthead.newsroom.demo.prose import DemoArticle, all_articles
from masthead.newsroom.info_pages import ensure_info_pages
from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorPage, HomePage, IssuePage, SectionPage
from masthead.newsroom.services import ensure_author, import_articles

SEED_FILE = Path(__file__).parent / "articles" / "kremlin-talks.txt"
SEED_SECTION = "foreign-affairs"
# The demo's month: the seed article is dated March 28, 2024.
FIRST_DAY = date(2024, 3, 1)
DAYS = 31
# Gated articles show this many paragraphs before the subscribe box.
PREVIEW_PARAGRAPHS = 2
ACCESS_CYCLE = ["public", "subscribers", "public", "members", "subscribers", "public"]
ISSUES = [
    # (volume, number, cover date, articles dated from, to) — 24 issues a year: the 1st and the 15th.
    (40, 6, date(2024, 3, 15), date(2024, 3, 1), date(2024, 3, 14)),
    (40, 7, date(2024, 4, 1), date(2024, 3, 15), date(2024, 3, 31)),
]
ADMIN_USERNAME = "admin"
# The current volume: this year's issues on the 1st and the 15th up to today, numbered as the editions
# schedule numbers them by default (2024 was volume 40). The newest is the current issue; editions plans
# the drafts ahead (manage.py plan_issues) and builds the files (manage.py build_editions).
REFERENCE_YEAR, REFERENCE_VOLUME = 2024, 40
BACK_ISSUE_ARTICLES = 3
CURRENT_ISSUE_ARTICLES = 6


@dataclass
class DemoSummary:
    created_articles: int
    articles: int
    sections: int
    authors: int
    issues: int
    admin_username: str
    admin_password: str | None
    admin_note: str


def _image(title: str, make: Any) -> Any:
    """Reuse a generated image by title, so a re-run draws nothing new."""
    found = get_image_model().objects.filter(title=title).first()
    return found or make()


def _configure_site(home: HomePage) -> None:
    site_setup.configure_site(home, name=tables.MAGAZINE_NAME)


def _sections(home: HomePage) -> dict[str, SectionPage]:
    sections = {}
    for spec in tables.SECTIONS:
        existed = SectionPage.objects.child_of(home).filter(title=spec["title"]).exists()
        section = site_setup.ensure_section(home, spec["title"])
        if not existed:
            section.intro = spec["intro"]
            section.save_revision().publish()
        sections[spec["title"]] = section
    return sections


def _writers(home: HomePage) -> dict[str, AuthorPage]:
    writers = {}
    for spec in tables.WRITERS:
        author, _ = ensure_author(name=spec["name"], home=home)
        if author.photo_id is None and not author.bio:
            # New, or created bare by an import: give the page what an editor would.
            author.photo = _image(f"Portrait of {spec['name']}", lambda spec=spec: artwork.portrait(spec["name"]))
            author.role = spec["role"]
            author.bio = f"<p>{spec['bio']}</p>"
            author.save_revision().publish()
        writers[spec["section"]] = author
    return writers


def _seed_article() -> ArticlePage:
    from masthead.newsroom.importer import parse_article

    text = SEED_FILE.read_text(encoding="utf-8")
    slug = parse_article(text).slug
    found = ArticlePage.objects.filter(slug=slug).first()
    if found is None:
        import_articles(sources=[(str(SEED_FILE), text)], section_slug=SEED_SECTION)
        found = ArticlePage.objects.get(slug=slug).specific
        # The seed's photo could not be fetched, so the importer stood a placeholder in; the demo's
        # lead (and its og:image) gets drawn art instead, as an editor would replace it.
        found.hero_image = _image(found.title, lambda: artwork.article_art(found.title, seed=found.title))
        found.save_revision().publish()
    return found.specific


def _body(article: DemoArticle, *, gated: bool, inline_image: Any) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for i, text in enumerate(article.paragraphs):
        if gated and i == PREVIEW_PARAGRAPHS:
            blocks.append({"type": "preview_ends", "value": None})
        if i == 5:
            blocks.append({"type": "heading", "value": article.heading})
        blocks.append({"type": "paragraph", "value": f"<p>{text}</p>"})
        if i == 3:
            quote, who = article.pull_quote
            blocks.append({"type": "pull_quote", "value": {"quote": quote, "attribution": who}})
        if i == 6 and inline_image is not None:
            blocks.append(
                {"type": "image", "value": {"image": inline_image.pk, "caption": article.caption, "credit": article.credit}}
            )
    return blocks


def _generated_articles(sections: dict[str, SectionPage], writers: dict[str, AuthorPage]) -> tuple[list[ArticlePage], int]:
    pages, created = [], 0
    articles = all_articles()
    for i, article in enumerate(articles):
        slug = slugify(article.title)
        found = ArticlePage.objects.filter(slug=slug).first()
        if found is not None:
            pages.append(found)
            continue
        access = ACCESS_CYCLE[i % len(ACCESS_CYCLE)]
        on = FIRST_DAY + timedelta(days=(i * 7) % DAYS)
        hero = _image(article.title, lambda a=article: artwork.article_art(a.title, seed=a.title))
        inline = None
        if i % 2 == 0:
            title = f"{article.title} (detail)"
            inline = _image(title, lambda t=title: artwork.article_art(t, seed=t, size=(1200, 800)))
        page = ArticlePage(
            title=article.title,
            slug=slug,
            dek=article.dek,
            access=access,
            date=on,
            hero_image=hero,
            hero_caption=article.caption,
            hero_credit=article.credit,
            body=_body(article, gated=access != "public", inline_image=inline),
        )
        authors = [writers[article.section]]
        if i % 4 == 3:
            # Some pieces are shared with a colleague from another desk.
            authors.append(list(writers.values())[(i // 4) % len(writers)])
        for author in dict.fromkeys(authors):
            page.article_authors.add(ArticleAuthor(author=author))
        page.tags.add(*article.tags)
        sections[article.section].add_child(instance=page)
        page.save_revision().publish()
        pages.append(page)
        created += 1
    return pages, created


def _issues(home: HomePage, seed: ArticlePage, articles: list[ArticlePage]) -> list[IssuePage]:
    index = site_setup.ensure_issue_index(home)
    issues = []
    section_order = {spec["title"]: n for n, spec in enumerate(tables.SECTIONS)}
    for volume, number, cover_date, start, end in ISSUES:
        found = IssuePage.objects.filter(volume=volume, number=number).first()
        if found is not None:
            issues.append(found)
            continue
        contents = [a for a in [seed, *articles] if start <= a.date <= end]
        # The table of contents runs lead story first, then section by section.
        lead = seed if seed in contents else contents[0]
        rest = sorted(
            (a for a in contents if a.pk != lead.pk), key=lambda a: (section_order.get(a.get_parent().title, 99), a.date)
        )
        date_line = f"Vol. {volume} · No. {number} · {cover_date:%B %-d, %Y}"
        cover = _image(
            f"Cover — {tables.MAGAZINE_NAME}, {date_line}",
            lambda d=date_line, t=lead.title: artwork.cover(magazine=tables.MAGAZINE_NAME, headline=t, date_line=d, seed=d),
        )
        issue = site_setup.make_issue(
            index, volume=volume, number=number, cover_date=cover_date, articles=[lead, *rest], cover=cover
        )
        issue.intro = f"In this issue: {lead.title}, and {len(rest)} more stories from our six desks."
        issue.save_revision().publish()
        issues.append(issue)
    return issues


def volume_dates(today: date) -> list[tuple[int, int, date]]:
    """(volume, number, cover date) of this year's issues up to today: the 1st and the 15th of each month."""
    volume = REFERENCE_VOLUME + today.year - REFERENCE_YEAR
    dates = [date(today.year, month, day) for month in range(1, 13) for day in (1, 15)]
    return [(volume, number, cover) for number, cover in enumerate(dates, start=1) if cover <= today]


def _current_volume(home: HomePage, seed: ArticlePage, articles: list[ArticlePage], today: date) -> list[IssuePage]:
    """This year's back issues and the current one, published. The demo has 36 articles, so issues share them:
    each back issue takes the next few in turn; the current issue leads with the seed article (narrated
    before the site opens, so its audio edition has a voice from the start)."""
    index = site_setup.ensure_issue_index(home)
    found_issues = []
    slots = volume_dates(today)
    # Round-robin over the sections, so every issue's contents run under several section headings.
    by_section: dict[int, list[ArticlePage]] = {}
    for article in articles:
        if article.pk != seed.pk:
            by_section.setdefault(article.get_parent().pk, []).append(article)
    columns = list(by_section.values())
    pool = [column[row] for row in range(max(map(len, columns), default=0)) for column in columns if row < len(column)]
    for n, (volume, number, cover_date) in enumerate(slots):
        found = IssuePage.objects.filter(volume=volume, number=number).first()
        if found is not None:
            found_issues.append(found)
            continue
        if n == len(slots) - 1:
            contents = [seed, *pool[: CURRENT_ISSUE_ARTICLES - 1]]
        else:
            start = (n * BACK_ISSUE_ARTICLES) % len(pool)
            contents = (pool + pool)[start : start + BACK_ISSUE_ARTICLES]
        date_line = f"Vol. {volume} · No. {number} · {cover_date:%B %-d, %Y}"
        lead = contents[0]
        cover = _image(
            f"Cover — {tables.MAGAZINE_NAME}, {date_line}",
            lambda d=date_line, t=lead.title: artwork.cover(magazine=tables.MAGAZINE_NAME, headline=t, date_line=d, seed=d),
        )
        issue = site_setup.make_issue(index, volume=volume, number=number, cover_date=cover_date, articles=contents, cover=cover)
        issue.intro = (
            f"In this issue: {lead.title}, and {len(contents) - 1} more stories from our desks.\n"
            "Every article is also in the issue's EPUB, PDF and audio edition for subscribers."
        )
        issue.cover_lines = "\n".join(a.title for a in contents[:3])
        issue.save_revision().publish()
        found_issues.append(issue)
    return found_issues


def _admin(var_dir: Path) -> tuple[str, str | None, str]:
    """A superuser for the demo; its password is kept in var/ so every start prints the same one."""
    secret = var_dir / "demo-admin.txt"
    users = get_user_model().objects
    user = users.filter(username=ADMIN_USERNAME).first()
    if secret.is_file():
        password = secret.read_text().strip()
    elif user is not None:
        return ADMIN_USERNAME, None, "the admin user already existed; its password was left unchanged"
    else:
        password = secrets.token_urlsafe(12)
        secret.parent.mkdir(parents=True, exist_ok=True)
        secret.write_text(password + "\n")
        secret.chmod(0o600)
    if user is None:
        users.create_superuser(ADMIN_USERNAME, "admin@example.com", password)
        return ADMIN_USERNAME, password, "created"
    return ADMIN_USERNAME, password, "from var/demo-admin.txt"


# The sizes the templates ask for; drawing them up front keeps the first page views fast.
RENDITIONS = {
    "hero": [
        *(f"fill-{size}|format-webp" for size in ("640x360", "960x540", "1280x720", "480x270", "800x450")),
        *(f"width-{width}|format-webp" for width in (640, 960, 1400)),
        "fill-1200x630",
        "fill-1200x675",
        "width-1200",
    ],
    "portrait": ["fill-96x96", "fill-160x160"],
    "cover": [
        *(f"fill-{size}|format-webp" for size in ("240x320", "300x400", "420x560", "360x480", "480x640")),
        *(f"width-{width}|format-webp" for width in (400, 480, 800)),
        "width-480",
    ],
    "inline": ["width-640|format-webp", "width-1200|format-webp", "width-1200"],
}


def warm_renditions() -> int:
    """Make every rendition the demo's pages will ask for; returns how many were new."""
    made = 0
    groups: list[tuple[Any, list[str]]] = []
    for article in ArticlePage.objects.live().specific():
        if article.hero_image:
            groups.append((article.hero_image, RENDITIONS["hero"]))
        for block in article.body:
            if block.block_type == "image" and block.value.get("image"):
                groups.append((block.value["image"], RENDITIONS["inline"]))
    groups += [(a.photo, RENDITIONS["portrait"]) for a in AuthorPage.objects.live() if a.photo]
    groups += [(i.cover_image, RENDITIONS["cover"]) for i in IssuePage.objects.live() if i.cover_image]
    for image, specs in groups:
        existing = set(image.renditions.values_list("filter_spec", flat=True))
        for spec in specs:
            if spec not in existing:
                image.get_rendition(spec)
                made += 1
    return made


def setup_demo(*, var_dir: Path | None = None, today: date | None = None) -> DemoSummary:
    with transaction.atomic():
        home = site_setup.ensure_home()
        _configure_site(home)
        if not home.intro:
            home.intro = "Independent reporting on politics, money, the world, the planet, culture and technology."
            home.save_revision().publish()
        sections = _sections(home)
        writers = _writers(home)
        seed = _seed_article()
        articles, created = _generated_articles(sections, writers)
        _issues(home, seed, articles)
        _current_volume(home, seed, articles, today or timezone.localdate())
        ensure_info_pages(home)
        home = HomePage.objects.get(pk=home.pk)
        if home.lead_story_id is None:
            home.lead_story = seed
            home.save_revision().publish()
        username, password, note = _admin(var_dir or Path(settings.VAR_DIR))
    return DemoSummary(
        created_articles=created,
        articles=ArticlePage.objects.live().count(),
        sections=SectionPage.objects.live().count(),
        authors=AuthorPage.objects.live().count(),
        issues=IssuePage.objects.live().count(),
        admin_username=username,
        admin_password=password,
        admin_note=note,
    )
