"""`manage.py narrate` narrates the archive, reports progress, and is safe to run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from masthead.narration.models import Narration


def test_narrate_all_with_espeak_then_again(magazine):
    out, err = io.StringIO(), io.StringIO()
    call_command("narrate", "--all", "--engine", "espeak", stdout=out, stderr=err)
    # public 1 + members 2 + subscribers 2
    assert Narration.objects.filter(status="ready").count() == 5
    assert out.getvalue().startswith("5 ready, 0 failed")
    assert "5/5 ready: A Subscriber Investigation (teaser)" in err.getvalue()
    first = set(Narration.objects.values_list("audio", flat=True))

    call_command("narrate", "--all", "--engine", "espeak", stdout=io.StringIO(), stderr=io.StringIO())
    assert set(Narration.objects.values_list("audio", flat=True)) == first


def test_unknown_page_is_a_clear_error(magazine):
    with pytest.raises(CommandError, match="no live article with id 999999"):
        call_command("narrate", "--page", "999999", stdout=io.StringIO(), stderr=io.StringIO())
