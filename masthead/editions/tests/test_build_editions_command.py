"""`manage.py build_editions`: the backfill an operator runs, with a progress bar and clear errors."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from masthead.editions import services
from masthead.editions.tests.support import BUILDS, second_issue, use_fake_builders


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("build_editions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_all_builds_every_published_issue_once_with_progress(magazine, monkeypatch):
    use_fake_builders(monkeypatch)
    other = second_issue(magazine)
    output = run("--all")
    assert "[##############################] 8/8" in output and "Built 8 file(s)." in output
    assert {pk for pk, _ in BUILDS} == {magazine.issue.pk, other.pk}
    assert set(services.current_files(other)) == {"epub", "pdf", "print", "print_cover"}
    assert "Nothing to build" in run("--issue", other.slug)


def test_a_wrong_slug_or_no_choice_is_refused_by_name(magazine):
    with pytest.raises(CommandError, match="No published issue with slug 99-1"):
        run("--issue", "99-1")
    with pytest.raises(CommandError, match="--issue SLUG"):
        run()


def test_the_demo_builds_the_current_issue_first_and_the_rest_after(magazine, monkeypatch):
    """make run: --current before the site opens, then --all --except-current for the workers."""
    use_fake_builders(monkeypatch)
    other = second_issue(magazine)
    current = max([magazine.issue, other], key=lambda issue: issue.cover_date)
    back = other if current.pk == magazine.issue.pk else magazine.issue
    assert "Built 4 file(s)." in run("--current")
    assert {pk for pk, _ in BUILDS} == {current.pk}
    assert "Built 4 file(s)." in run("--all", "--except-current")
    assert {pk for pk, _ in BUILDS} == {current.pk, back.pk}
    assert "Nothing to build" in run("--current")
