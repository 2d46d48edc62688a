"""A site whose archive index was built in another format (or before it existed) is re-indexed by `migrate`."""

from __future__ import annotations

import re

from django.core.management import call_command

from masthead.search import index
from masthead.search.models import ArchiveEntry, IndexFormat


def _headlines(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return re.findall(r'class="search-result__headline"><a href="[^"]*">([^<]+)</a>', response.content.decode())


def test_an_old_format_index_is_rebuilt_by_migrate_and_filters_work(client, magazine):
    # An index as an older format left it: no facet tokens, keyed by article id alone, an old version number.
    ArchiveEntry.objects.all().delete()
    ArchiveEntry.objects.bulk_create(
        ArchiveEntry(key=article.pk, article_id=article.pk, title=article.title, body="", facets="")
        for article in [magazine.public_article, magazine.subscriber_article]
    )
    IndexFormat.objects.update(version=index.FORMAT - 1)
    assert _headlines(client, q="paragraph", section="finance") == []

    call_command("migrate", verbosity=0, interactive=False)

    assert list(IndexFormat.objects.values_list("version", flat=True)) == [index.FORMAT]
    assert ArchiveEntry.objects.count() == 3  # the members briefing is back too
    assert _headlines(client, q="paragraph", section="finance") == ["A Subscriber Investigation"]
    assert sorted(_headlines(client, q="paragraph", author="angeline-tan", issue="40-6")) == [
        "A Public Report",
        "A Subscriber Investigation",
    ]
    newest = ["A Public Report", "A Members Briefing", "A Subscriber Investigation"]
    assert _headlines(client, author="angeline-tan", year=2024) == newest


def test_a_site_without_an_index_gets_one_and_a_current_one_is_left_alone(client, magazine):
    IndexFormat.objects.all().delete()
    ArchiveEntry.objects.all().delete()
    call_command("migrate", verbosity=0, interactive=False)
    assert _headlines(client, q="public paragraph") == ["A Public Report"]
    # Built in the current format: migrate does not write it again.
    ArchiveEntry.objects.filter(article_id=magazine.public_article.pk).update(title="Left alone")
    call_command("migrate", verbosity=0, interactive=False)
    assert ArchiveEntry.objects.get(article_id=magazine.public_article.pk).title == "Left alone"
