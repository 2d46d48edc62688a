# ruff: noqa: E501 — prose tables read better one entry per line
"""The demo magazine's facts: its name, sections and staff writers.

The articles themselves are written out in prose.py.
"""

from __future__ import annotations

MAGAZINE_NAME = "The Masthead Review"

SECTIONS: list[dict[str, str]] = [
    {
        "title": "Politics",
        "intro": "Power in Washington and the statehouses: who holds it, who wants it, and what they do with it.",
    },
    {"title": "Finance", "intro": "Markets, money and the economy, explained for readers who have to live in it."},
    {"title": "Foreign Affairs", "intro": "Diplomacy, war and the balance of power, from the capitals that decide them."},
    {"title": "Environment", "intro": "Climate, land, water and energy, reported from the places where change happens first."},
    {"title": "Culture", "intro": "Books, film, music and ideas, and the arguments they start."},
    {"title": "Technology", "intro": "The machines, the software and the companies reshaping work and daily life."},
]

# Staff writers. The seed article's author is imported from its byline and gets her portrait and bio here.
WRITERS: list[dict[str, str]] = [
    {
        "name": "Angeline Tan",
        "role": "Foreign correspondent",
        "section": "Foreign Affairs",
        "bio": "Angeline Tan covers Russia, China and the diplomacy between them. She has reported from Moscow, "
        "Beijing and Singapore, and writes about how governments explain themselves to the world.",
    },
    {
        "name": "Margaret Hollis",
        "role": "Washington editor",
        "section": "Politics",
        "bio": "Margaret Hollis has covered Congress and three presidential campaigns. Before joining the magazine "
        "she ran the statehouse bureau of a Midwestern daily.",
    },
    {
        "name": "Daniel Ferreira",
        "role": "Finance editor",
        "section": "Finance",
        "bio": "Daniel Ferreira writes about central banks, credit and the household economy. He spent a decade as "
        "a bond analyst before he started explaining markets instead of trading them.",
    },
    {
        "name": "Ruth Okonkwo",
        "role": "Environment correspondent",
        "section": "Environment",
        "bio": "Ruth Okonkwo reports on climate, agriculture and water, most often from the field. Her work on "
        "drought in the Colorado basin won a regional press award.",
    },
    {
        "name": "Simon Achterberg",
        "role": "Culture critic",
        "section": "Culture",
        "bio": "Simon Achterberg reviews books and film and writes the magazine's column on ideas. He lives in "
        "Chicago and teaches a night class on the essay.",
    },
    {
        "name": "Leah Nakamura",
        "role": "Technology writer",
        "section": "Technology",
        "bio": "Leah Nakamura writes about software, chips and the companies that make them. She was a developer "
        "for eight years, which she says is why she reads the terms of service.",
    },
]
