"""Archive search benchmark: 100,000 generated articles on SQLite (FTS5) and on PostgreSQL 15.

    python -m masthead.bench search          # rewrites its section of docs/benchmarks.md
    BENCH_SEARCH_ARTICLES=5000 python -m masthead.bench.search   # a quick run, printed only
    BENCH_SEARCH_MEASURE_WHEN=/tmp/go python -m masthead.bench search  # generate now, time once /tmp/go exists

For each database, in its own processes: migrate an empty site, generate the
articles (see `generate`), then time 20 realistic reader queries with filters,
each once to warm up and REPEATS times measured, three ways in the same process:
- page: GET /search/?q=…&filters through the Django test client — middleware,
  form, our search, snippets from the index's stored anonymous reading, the template: what a reader waits for
  (minus the network);
- search: `search_archive()` (the archive index, masthead/search, with our filters) —
  the first page of ten and the count, as the page's paginator asks them;
- reference: the same words and filters as one hand-written SQL statement
  straight on the same index tables (FTS5 MATCH … ORDER BY bm25 / tsvector @@
  … ORDER BY ts_rank) plus its COUNT: the floor the database itself gives.
Target (issue #9): p95 < 50 ms.

How 100,000 Wagtail pages are made in minutes, not hours: pages are not saved
one by one through the ORM (treebeard's add_child, revisions and signals cost
tens of ms each). Instead the tree paths are computed in Python and the rows
bulk-inserted: `Page.objects.bulk_create` for wagtailcore_page, Django's
`_insert` for the child table (newsroom_articlepage, as multi-table
inheritance saves it), `bulk_create` for bylines and issue contents. The index
is then written by Wagtail's own backend (`add_bulk`, 1,000 articles a call,
bylines and tags prefetched) so it holds exactly what a publish would write.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from masthead.bench.common import BENCH_DIR, PYTHON, ROOT, machine_facts, port_is_free

ARTICLES = int(os.environ.get("BENCH_SEARCH_ARTICLES", "100000"))
REPEATS = int(os.environ.get("BENCH_SEARCH_REPEATS", "5"))
FIRST_YEAR, LAST_YEAR = 2007, 2026
ISSUE_ARTICLES = 40
AUTHORS = 120
BATCH = 1000

FILLER = (
    "the of and to a in that is was for on with as said by at from it its have has had but not be are were an this "
    "which their they more after over two new first last year years when who would could will been about into than "
    "government officials people country city week month state public minister report according since while during "
    "between under against without where because many several former president told percent million billion"
).split()
TOPICS = {
    "politics": "election parliament coalition vote campaign senator reform opposition referendum ballot party "
    "candidate minister cabinet scandal polling constitution mayor governor legislature budget deficit",
    "finance": "inflation bank central interest rates bonds markets investors currency dollar euro shares earnings "
    "debt budget deficit recession growth pension tax banking credit",
    "foreign-affairs": "ceasefire talks sanctions Russia Ukraine Kyiv Moscow Kremlin Peskov diplomats treaty summit "
    "refugees border embassy envoy negotiations nato China Beijing Washington",
    "environment": "climate drought emissions carbon glacier wildfire flood biodiversity forest ocean heatwave "
    "renewable solar wind coal methane species conservation pollution rainfall",
    "culture": "museum opera festival novel film theatre exhibition painter orchestra poetry gallery director "
    "album premiere dance sculpture literature cinema concert architecture",
    "technology": "artificial intelligence semiconductor chips software startup data privacy algorithm cloud "
    "robotics satellite encryption platform smartphone network quantum battery cyber regulation",
}
FIRST = (
    "Anna Boris Clara David Elena Farid Grace Hugo Irina Jonas Karim Lena Marco Nadia Oskar Priya Rafael Sofia Tomas Yara".split()
)
LAST = "Tan Kell Moreau Novak Okafor Petrov Quinn Rossi Sato Varga Weber Young Zhou Haddad Lindqvist Mensah".split()

# (words, filters): filters name a section slug, an author index (resolved to a slug), an issue
# index (newest first), a year, an order. Realistic: what readers type, with the menus they use.
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("inflation", {}),
    ("ceasefire talks", {}),
    ("climate", {"section": "environment"}),
    ("central bank interest rates", {"section": "finance"}),
    ("election", {"year": 2019}),
    ("Peskov", {}),
    ("pension", {"author": 3}),
    ("", {"author": 7}),
    ("", {"issue": 5}),
    ("artificial intelligence", {"section": "technology", "year": 2023}),
    ("museum", {"section": "culture"}),
    ("sanctions Russia", {"sort": "newest"}),
    ("drought", {"year": 2022, "sort": "newest"}),
    ("growth recession", {}),
    ("refugees border", {"section": "foreign-affairs"}),
    ("budget deficit", {"year": 2024}),
    ("Kyiv", {"issue": 12}),
    ("semiconductor chips", {"author": 11}),
    ("opera festival", {"year": 2015}),
    ("report", {"sort": "newest"}),
]


# --- Inside the Django process --------------------------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def _sentence(rng: random.Random, topic: list[str], words: int) -> str:
    picks = [
        rng.choice(topic) if rng.random() < 0.14 else FILLER[min(int(rng.paretovariate(1.1)) - 1, len(FILLER) - 1)]
        for _ in range(words)
    ]
    return " ".join(picks).capitalize() + "."


def _paragraph(rng: random.Random, pool: list[str]) -> str:
    return " ".join(rng.sample(pool, 3))


def _child_paths(parent: Any, count: int) -> list[str]:
    """The next `count` treebeard paths under `parent`, as add_child would give them one by one."""
    from wagtail.models import Page

    last = parent.get_last_child()
    start = Page._str2int(last.path[-Page.steplen :]) + 1 if last else 1
    return [Page._get_path(parent.path, parent.depth + 1, n) for n in range(start, start + count)]


def _bulk_pages(parent: Any, model: Any, rows: list[dict[str, Any]], specific: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` (Page fields) as children of `parent`, then their `model` rows: ids in order."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale, Page

    content_type = ContentType.objects.get_for_model(model)
    locale = Locale.get_default()
    paths = _child_paths(parent, len(rows))
    now = datetime.now(UTC)
    pages = [
        Page(
            path=path,
            depth=parent.depth + 1,
            numchild=0,
            content_type=content_type,
            locale=locale,
            translation_key=uuid.uuid4(),
            live=True,
            has_unpublished_changes=False,
            url_path=f"{parent.url_path}{row['slug']}/",
            draft_title=row["title"],
            title=row["title"],
            slug=row["slug"],
            first_published_at=row.get("first_published_at", now),
            last_published_at=row.get("first_published_at", now),
        )
        for path, row in zip(paths, rows, strict=True)
    ]
    Page.objects.bulk_create(pages, batch_size=500)
    saved = dict(Page.objects.filter(path__in=paths).values_list("path", "pk"))
    ids = [saved[path] for path in paths]
    fields = list(model._meta.local_concrete_fields)
    children = [model(page_ptr_id=pk, **extra) for pk, extra in zip(ids, specific, strict=True)]
    for start in range(0, len(children), 400):
        model._base_manager._insert(children[start : start + 400], fields=fields, raw=True)
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(rows))
    parent.refresh_from_db()
    return ids


def _preview(article: dict[str, Any]) -> str:
    """The anonymous reading of a generated body, as the gate gives it: all of a public article, the preview of a gated one."""
    blocks = json.loads(article["body"])
    shown = []
    for block in blocks:
        if block["type"] == "preview_ends":
            break
        shown.append(block["value"].removeprefix("<p>").removesuffix("</p>"))
    return "\n\n".join(shown) if article["access"] == "public" or len(shown) < len(blocks) else ""


def _entry(
    pk: int, item: tuple[dict[str, Any], dict[str, Any], list[int]], names: dict[int, str], section_id: int, issue_ids: list[int]
) -> Any:
    """The archive index row of a generated article, written without loading the page and running the gate
    (`_check_index_sample` compares a sample with the rows the site itself writes from the saved pages)."""
    from masthead.search import index
    from masthead.search.models import ArchiveEntry

    page, article, authors = item
    return ArchiveEntry(
        key=index.key_of(article["date"], pk),
        article_id=pk,
        title=page["title"],
        body=index.body_of(
            dek=article["dek"], author_names=", ".join(names[a] for a in authors), tags=[], preview=_preview(article)
        ),
        facets=index.facets_of(section_id=section_id, author_ids=authors, issue_ids=issue_ids, on=article["date"]),
    )


def _check_index_sample(rng: random.Random, ids: list[int], size: int = 50) -> str:
    """How many of a random sample of generated rows equal the rows the site writes from the saved pages."""
    from masthead.search import index
    from masthead.search.models import ArchiveEntry

    sample = rng.sample(ids, min(size, len(ids)))
    stored = {e.article_id: (e.key, e.title, e.body, e.facets) for e in ArchiveEntry.objects.filter(article_id__in=sample)}
    real = {e.article_id: (e.key, e.title, e.body, e.facets) for e in index.entries_for(sample)}
    same = sum(1 for pk in sample if pk in real and stored.get(pk) == real[pk])
    return f"{same}/{len(sample)}"


def generate(count: int) -> dict[str, Any]:
    """Sections, authors, issues and `count` articles with bylines, then Wagtail's index of them."""
    from django.db import transaction

    from masthead.newsroom import site_setup
    from masthead.newsroom.models import ArticleAuthor, ArticlePage, AuthorPage, IssueArticle, IssuePage
    from masthead.search import index
    from masthead.search.models import ArchiveEntry
    from masthead.testing import builders

    rng = random.Random(9)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    home = site_setup.ensure_home()
    sections = {title: site_setup.ensure_section(home, title) for title in builders.SECTIONS}
    author_index = builders.ensure_author_index(home)
    names = sorted({f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(AUTHORS * 3)})[:AUTHORS]
    with transaction.atomic():
        author_ids = _bulk_pages(
            author_index,
            AuthorPage,
            [{"title": name, "slug": name.lower().replace(" ", "-")} for name in names],
            [{"role": "Correspondent", "bio": ""} for _ in names],
        )
    days = (date(LAST_YEAR, 11, 30) - date(FIRST_YEAR, 1, 1)).days
    topics = {title: TOPICS[section.slug].split() for title, section in sections.items()}
    # Sentences are drawn from a pool per section (3,000 each): the same word statistics as
    # writing each one afresh, at a fiftieth of the cost.
    pools = {title: [_sentence(rng, topic, rng.randint(12, 20)) for _ in range(3000)] for title, topic in topics.items()}
    by_section: dict[str, list[tuple[dict[str, Any], dict[str, Any], list[int]]]] = {title: [] for title in sections}
    for n in range(count):
        title = rng.choice(list(sections))
        topic = topics[title]
        on = date(FIRST_YEAR, 1, 1) + timedelta(days=rng.randrange(days))
        headline = " ".join(
            w.capitalize() if i == 0 else w
            for i, w in enumerate(
                [
                    rng.choice(topic),
                    rng.choice(FILLER),
                    rng.choice(topic),
                    rng.choice(["report", "analysis", "dispatch", "review", "briefing"]),
                ]
            )
        )
        paragraphs = [_paragraph(rng, pools[title]) for _ in range(6)]
        access = rng.choices(["public", "subscribers", "members"], weights=[60, 32, 8])[0]
        blocks: list[dict[str, Any]] = [{"type": "paragraph", "value": f"<p>{p}</p>"} for p in paragraphs]
        if access != "public":
            blocks.insert(2, {"type": "preview_ends", "value": None})
        published = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
        by_section[title].append(
            (
                {"title": f"{headline} {n}", "slug": f"article-{n}", "first_published_at": published},
                {"dek": rng.choice(pools[title]), "date": on, "access": access, "body": json.dumps(blocks)},
                rng.sample(author_ids, rng.choice([1, 1, 1, 2])),
            )
        )
    timings["text"] = time.perf_counter() - started
    started = time.perf_counter()
    article_ids: list[tuple[int, date]] = []
    generated: list[tuple[int, Any, int]] = []
    names_by_id = dict(zip(author_ids, names, strict=True))
    with transaction.atomic():
        for title, items in by_section.items():
            for start in range(0, len(items), 5000):
                chunk = items[start : start + 5000]
                ids = _bulk_pages(sections[title], ArticlePage, [c[0] for c in chunk], [c[1] for c in chunk])
                ArticleAuthor.objects.bulk_create(
                    [
                        ArticleAuthor(page_id=pk, author_id=a, sort_order=i)
                        for pk, c in zip(ids, chunk, strict=True)
                        for i, a in enumerate(c[2])
                    ],
                    batch_size=2000,
                )
                article_ids += [(pk, c[1]["date"]) for pk, c in zip(ids, chunk, strict=True)]
                generated += [(pk, c, sections[title].pk) for pk, c in zip(ids, chunk, strict=True)]
        # 24 issues a year, each holding 40 articles of its fortnight; the rest of the archive is web-only.
        issue_index = site_setup.ensure_issue_index(home)
        article_ids.sort(key=lambda row: row[1])
        dates = [on for _, on in article_ids]
        issue_rows, issue_specific, contents = [], [], []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for number in range(1, 25):
                cover = date(year, (number + 1) // 2, 1 if number % 2 else 15)
                if cover > date(LAST_YEAR, 11, 30):
                    break
                issue_rows.append({"title": f"{cover:%B %-d, %Y}", "slug": f"{year - FIRST_YEAR + 1}-{number}"})
                issue_specific.append({"volume": year - FIRST_YEAR + 1, "number": number, "cover_date": cover, "intro": ""})
                low, high = bisect_left(dates, cover - timedelta(days=14)), bisect_left(dates, cover)
                window = [pk for pk, _ in article_ids[low:high]]
                contents.append(rng.sample(window, min(ISSUE_ARTICLES, len(window))) if window else [])
        issue_ids = _bulk_pages(issue_index, IssuePage, issue_rows, issue_specific)
        IssueArticle.objects.bulk_create(
            [
                IssueArticle(issue_id=issue, article_id=a, sort_order=i)
                for issue, chosen in zip(issue_ids, contents, strict=True)
                for i, a in enumerate(chosen)
            ],
            batch_size=2000,
        )
    timings["rows"] = time.perf_counter() - started
    started = time.perf_counter()
    # The archive index (masthead/search), as the site's own rebuild would write it. Wagtail's index (the
    # admin's search) is not written here: archive search does not read it.
    issues_by_article: dict[int, list[int]] = {}
    for issue, chosen in zip(issue_ids, contents, strict=True):
        for pk in chosen:
            issues_by_article.setdefault(pk, []).append(issue)
    with transaction.atomic():
        for start in range(0, len(generated), BATCH):
            ArchiveEntry.objects.bulk_create(
                [
                    _entry(pk, item, names_by_id, section_id, issues_by_article.get(pk, []))
                    for pk, item, section_id in generated[start : start + BATCH]
                ]
            )
        index.finish_rebuild()
    checked = _check_index_sample(rng, [pk for pk, _, _ in generated])
    timings["index"] = time.perf_counter() - started
    return {
        "articles": len(article_ids),
        "issues": len(issue_ids),
        "authors": len(author_ids),
        "seconds": timings,
        "index_sample_identical": checked,
    }


def _resolve(filters: dict[str, Any]) -> dict[str, str]:
    from masthead.newsroom.models import AuthorPage, IssuePage

    params = {k: str(v) for k, v in filters.items() if k in {"section", "year", "sort"}}
    if "author" in filters:
        params["author"] = AuthorPage.objects.order_by("title")[filters["author"]].slug
    if "issue" in filters:
        params["issue"] = IssuePage.objects.newest_first()[filters["issue"]].slug
    return params


def _reference_sql(vendor: str, words: list[str], params: dict[str, str]) -> tuple[str, list[Any], str]:
    """The textbook statements on the same index: the first ten by rank (or newest), and a full count.

    Same words, same filters (as the index's facet tokens), same engine: what our search would cost
    without its two shortcuts (counting only to LIMIT, ranking only the newest LIMIT matches).
    """
    from masthead.newsroom.models import AuthorPage, IssuePage, SectionPage
    from masthead.search import index

    tokens = []
    if "section" in params:
        tokens.append(index.section_token(SectionPage.objects.get(slug=params["section"]).pk))
    if "author" in params:
        tokens.append(index.author_token(AuthorPage.objects.get(slug=params["author"]).pk))
    if "issue" in params:
        tokens.append(index.issue_token(IssuePage.objects.get(slug=params["issue"]).pk))
    if "year" in params:
        tokens.append(index.year_token(int(params["year"])))
    newest = params.get("sort") == "newest" or not words
    if vendor == "sqlite":
        parts = []
        if words:
            parts.append("{title body} : (" + " AND ".join(f'"{w}"' for w in words) + ")")
        if tokens:
            parts.append("facets : (" + " AND ".join(tokens) + ")")
        base = "FROM search_archive_fts WHERE search_archive_fts MATCH %s"
        order = "rowid DESC" if newest else "rank"
        return f"SELECT rowid {base} ORDER BY {order} LIMIT 10", [" AND ".join(parts)], f"SELECT count(*) {base}"
    query, args = [], []
    if words:
        query.append("plainto_tsquery('english', %s)")
        args.append(" ".join(words))
    if tokens:
        query.append("to_tsquery('simple', %s)")
        args.append(" & ".join(tokens))
    base = f"FROM search_archiveentry WHERE document @@ ({' && '.join(query)})"  # noqa: S608 (our own fragments)
    if newest:
        return f"SELECT key {base} ORDER BY key DESC LIMIT 10", args, f"SELECT count(*) {base}"
    top = f"SELECT key {base} ORDER BY ts_rank(document, plainto_tsquery('english', %s)) DESC LIMIT 10"
    return top, [*args, " ".join(words)], f"SELECT count(*) {base}"


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def measure() -> dict[str, Any]:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client

    from masthead.search.archive import words_of
    from masthead.search.forms import ArchiveSearchForm

    client = Client(HTTP_HOST="localhost")
    samples: dict[str, list[float]] = {"page": [], "search": [], "reference": []}
    per_query = []
    for text, raw in QUERIES:
        params = _resolve(raw)
        form = ArchiveSearchForm({"q": text, **params})
        assert form.is_valid(), form.errors
        top_sql, args, count_sql = _reference_sql(connection.vendor, words_of(text), params)
        count_args = args[: count_sql.count("%s")]

        def page(text: str = text, params: dict[str, str] = params) -> int:
            response = client.get("/search/", {"q": text, **params})
            assert response.status_code == 200, response.status_code
            return 0

        def search(text: str = text, form: Any = form) -> int:
            from masthead.search.archive import search_archive

            found = Paginator(search_archive(text, form.filters(), order=form.cleaned_data["sort"] or "relevance"), 10).page(1)
            list(found.object_list)
            return int(found.paginator.count)

        def reference(
            top_sql: str = top_sql, args: list[Any] = args, count_sql: str = count_sql, count_args: list[Any] = count_args
        ) -> int:
            with connection.cursor() as cursor:
                cursor.execute(top_sql, args)
                cursor.fetchall()
                cursor.execute(count_sql, count_args)
                return int(cursor.fetchone()[0])

        row: dict[str, Any] = {"query": text, "filters": params}
        for name, call in (("page", page), ("search", search), ("reference", reference)):
            result = call()  # warm: compiled templates, the database's page cache
            times = []
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1000)
            samples[name] += times
            row[name] = statistics.median(times)
            if name != "page":
                row[f"{name}_count"] = result
        per_query.append(row)
    from masthead.search.archive import LIMIT

    percentiles = {name: _percentiles(s) for name, s in samples.items()}
    return {"vendor": connection.vendor, "limit": LIMIT, "per_query": per_query, **percentiles}


# --- The runner (outside Django) -------------------------------------------------


def _django(env: dict[str, str], call: str) -> Any:
    code = f"import json, masthead.bench.search as b; b._setup_django(); print('JSON' + json.dumps(b.{call}, default=str))"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{call} failed:\n{out.stderr[-4000:]}")
    line = next(line for line in out.stdout.splitlines() if line.startswith("JSON"))
    return json.loads(line[4:])


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TASKS_IMMEDIATE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="masthead.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        MASTHEAD_VAR_DIR=str(var_dir),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        STATIC_NO_MANIFEST="1",
        LOG_LEVEL="ERROR",
        NARRATION_ON_PUBLISH="0",
        EDITIONS_ON_PUBLISH="0",
        PAGE_CACHE_ENABLED="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def _made(env: dict[str, str]) -> dict[str, Any]:
    """An empty site migrated and ARTICLES generated in it: what was made and how long it took."""
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    migrated = time.perf_counter() - started
    made: dict[str, Any] = _django(env, f"generate({ARTICLES})")
    made["seconds"]["migrate"] = migrated
    return made


def _wait_for_go() -> None:
    """With BENCH_SEARCH_MEASURE_WHEN=path, wait for that file before timing anything.

    Generating 100,000 articles twice takes minutes and may run while the
    machine is busy; the timings should not. Touch the file when it is quiet.
    """
    go = os.environ.get("BENCH_SEARCH_MEASURE_WHEN")
    if not go:
        return
    print(f"bench search: data generated; measuring once {go} exists", flush=True)
    while not Path(go).exists():
        time.sleep(5)


class Postgres:
    """A throwaway PostgreSQL cluster under /tmp on a free port in 20000–29999, stopped by its data directory."""

    def __init__(self) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql-15)")
        self.bin = bins[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="masthead-search-pg-"))
        rng = random.Random()
        self.port = next(p for p in iter(lambda: rng.randint(20000, 29999), None) if port_is_free(p))
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")

    def __enter__(self) -> str:
        db = self.dir / "db"
        subprocess.run(
            [*self.as_user, str(self.bin / "initdb"), "-D", str(db), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c synchronous_commit=off -c shared_buffers=256MB"
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(db), "-l", str(self.dir / "log"), "-w", "-o", options, "start"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*self.as_user, str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "masthead"],
            check=True,
            capture_output=True,
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/masthead"

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


def _matches(row: dict[str, Any], limit: int) -> str:
    """All matches (the reference counts them); ours stops counting at `limit`, which the page shows as "More than"."""
    listed = row["search_count"]
    if listed == min(row["reference_count"], limit):
        return f"{row['reference_count']:,}" + (f" (listed {listed:,})" if listed < row["reference_count"] else "")
    return f"{row['reference_count']:,} (ours {listed:,}: differs)"


def _table(result: dict[str, Any]) -> str:
    lines = ["| query | filters | page ms | search ms | reference ms | matches |", "|---|---|---:|---:|---:|---:|"]
    for row in result["per_query"]:
        filters = ", ".join(f"{k}={v}" for k, v in row["filters"].items()) or "—"
        lines.append(
            f"| {row['query'] or '(none)'} | {filters} | {row['page']:.1f} | {row['search']:.1f} | {row['reference']:.1f} | "
            f"{_matches(row, result['limit'])} |"
        )
    return "\n".join(lines)


def run() -> str:
    results: dict[str, dict[str, Any]] = {}
    work = BENCH_DIR / "search"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    loads = {}
    with Postgres() as url:
        envs = {"SQLite (FTS5)": _env(work / "sqlite"), "PostgreSQL 15": _env(work / "pg", DATABASE_URL=url)}
        made = {name: _made(env) for name, env in envs.items()}
        _wait_for_go()
        facts = machine_facts()
        # One database at a time: each is timed with the other idle.
        for name, env in envs.items():
            results[name] = {"made": made[name], **_django(env, "measure()")}
            loads[name] = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)
    return markdown(facts, results, loads)


def markdown(facts: str, results: dict[str, dict[str, Any]], loads: dict[str, Any]) -> str:
    out = [
        f"## Search: the archive over {next(iter(results.values()))['made']['articles']:,} articles, SQLite and PostgreSQL",
        "",
        facts,
        "",
        f"20 reader queries with filters (section, author, issue, year, order), {REPEATS} timed runs each after one warm-up, "
        "in one process per database. **page** = GET /search/ through the test client (middleware, form, search, count, "
        "snippets cut from the reading the index stores, template); **search** = `search_archive()` on the archive index "
        "(masthead/search: "
        "filters as facet tokens in the match, rows keyed newest first, count stopped at 1,000, best match ranked within "
        "the newest 1,000 matches), first page of ten as articles with bylines + count; **reference** = the textbook "
        "statements on the same index in the same process (FTS5 MATCH … ORDER BY rank / tsvector @@ … ORDER BY ts_rank, "
        "LIMIT 10, ids only) + a full COUNT. Target: p95 < 50 ms.",
        "",
        "The data: 120 authors, 24 issues a year since 2007 (40 articles each), articles spread over the years and six "
        "sections, 60% public, 32% for subscribers and 8% for members (their index holds the preview only), six paragraphs "
        "of section-flavoured prose each. Made by bulk inserts with precomputed tree paths (Page.objects.bulk_create, "
        "Django's _insert for newsroom_articlepage, bulk_create for bylines and contents); archive index rows written in "
        "bulk from the generated text, then the site's own finish (FTS5 optimize, planner statistics for the whole database "
        "as the daily `analyze_database` keeps them); a random sample of 50 is "
        "checked to equal the rows the site writes from the saved pages through the gate "
        "(sample identical: see each database below). Wagtail's own index (admin search) is not written. Both databases "
        "are generated first, then timed one at a time with the other idle.",
        "",
        "| database | page p50 / p95 ms | search p50 / p95 ms | reference p50 / p95 ms | generate: text / rows / index s | "
        "load after |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        s = result["made"]["seconds"]
        out.append(
            f"| {name} | {result['page']['p50']:.1f} / {result['page']['p95']:.1f} | {result['search']['p50']:.1f} / "
            f"{result['search']['p95']:.1f} | {result['reference']['p50']:.1f} / {result['reference']['p95']:.1f} | "
            f"{s['text']:.0f} / {s['rows']:.0f} / {s['index']:.0f} | {' / '.join(f'{x:.1f}' for x in loads[name])} |"
        )
    for name, result in results.items():
        made = result["made"]
        out += [
            "",
            f"### {name}: per query (median of {REPEATS} runs)",
            "",
            f"{made['articles']:,} articles, {made['issues']:,} issues, {made['authors']} authors; index sample identical "
            f"to the site's own rows: {made['index_sample_identical']}.",
            "",
            _table(result),
        ]
    return "\n".join(out)


if __name__ == "__main__":
    print(run())
    sys.exit(0)
