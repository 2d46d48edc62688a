"""Write plausible magazine articles from the topic tables, deterministically.

Same seed, same article: the demo is identical on every machine and a re-run
finds what it built before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from masthead.newsroom.demo import tables


@dataclass(frozen=True)
class DemoArticle:
    section: str
    title: str
    dek: str
    paragraphs: list[str]
    pull_quote: tuple[str, str]
    heading: str
    tags: list[str]
    caption: str
    credit: str
    people: list[str] = field(default_factory=list)


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def _as_clause(quote: str) -> str:
    """A quote followed by 'said X' ends with a comma, not a full stop."""
    return quote[:-1] + "," if quote.endswith(".") else quote


def write_article(section: str, index: int, *, seed: int = 2024) -> DemoArticle:
    table = tables.TOPICS[section]
    title, dek, subject, actor, place, stakes, figure, tags = table["topics"][index]
    rng = random.Random(f"{seed}:{section}:{index}")
    person1, person2 = rng.sample(tables.PEOPLE, 2)
    role1, role2 = rng.sample(table["roles"], 2)
    slots = {
        "subject": subject,
        "actor": actor,
        "place": place,
        "stakes": stakes,
        "figure": figure,
        "person1": person1,
        "person2": person2,
        "role1": role1,
        "role2": role2,
    }
    quote_a, quote_b = (q.format(**slots) for q in rng.sample(table["quotes"], 2))
    paragraphs = [
        _fill(rng.choice(tables.OPENINGS), slots),
        f"“{_as_clause(quote_a)}” said {person1}, {role1}.",
        _fill(rng.choice(tables.CONTEXT), slots),
        *(_fill(t, slots) for t in rng.sample(tables.DETAILS, 2)),
        _fill(rng.choice(tables.DOUBTS), slots),
        _fill(rng.choice(tables.HISTORY), slots),
        # A second voice, not a stock sentence: these lines repeated word for word across every article.
        f"“{_as_clause(quote_b)}” said {person2}, {role2}.",
        _fill(rng.choice(tables.OUTLOOKS), slots),
    ]
    return DemoArticle(
        section=section,
        title=title,
        dek=dek,
        paragraphs=paragraphs,
        pull_quote=(quote_a, person1),
        heading=rng.choice(tables.HEADINGS).format(**slots),
        tags=list(tags),
        caption=f"{place}, where the debate over {subject} has come to a head.",
        credit=rng.choice(["Illustration: Masthead Studio", "Masthead Studio", "Art: Masthead Studio"]),
        people=[person1, person2],
    )


def all_articles(*, seed: int = 2024) -> list[DemoArticle]:
    return [
        write_article(section["title"], i, seed=seed)
        for section in tables.SECTIONS
        for i in range(len(tables.TOPICS[section["title"]]["topics"]))
    ]
