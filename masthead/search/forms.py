"""What a reader may ask the archive: words, filters, order and page, validated before any query runs."""

from __future__ import annotations

from typing import Any

from django import forms

from masthead.newsroom.models import AuthorPage, IssuePage, SectionPage
from masthead.search.archive import MAX_QUERY_CHARS, NEWEST, RELEVANCE, Filters

FIRST_YEAR = 1800
LAST_YEAR = 2200
MAX_PAGE = 10_000


def slug_choice(queryset: Any, *, label: str) -> forms.ModelChoiceField[Any]:
    """A live page chosen by its slug (?section=finance), with a message that names the filter."""
    return forms.ModelChoiceField(
        queryset=queryset,
        to_field_name="slug",
        required=False,
        label=label,
        error_messages={"invalid_choice": f"There is no {label.lower()} with that name."},
    )


class ArchiveSearchForm(forms.Form):
    # Longer text is cut rather than refused: a pasted paragraph still finds its first words.
    q = forms.CharField(required=False, strip=True, label="Search articles")
    section = slug_choice(SectionPage.objects.live(), label="Section")
    author = slug_choice(AuthorPage.objects.live(), label="Author")
    issue = slug_choice(IssuePage.objects.live(), label="Issue")
    year = forms.IntegerField(
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        label="Year",
        error_messages={"invalid": "The year must be a number such as 2024."},
    )
    sort = forms.ChoiceField(required=False, choices=[(RELEVANCE, "Best match"), (NEWEST, "Newest first")], label="Order")
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={"invalid": "The page must be a whole number such as 2."},
    )

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q") or "")[:MAX_QUERY_CHARS]

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(section=data.get("section"), author=data.get("author"), issue=data.get("issue"), year=data.get("year"))
