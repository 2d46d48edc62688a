"""The benchmark runner rewrites only its own sections of docs/benchmarks.md."""

from __future__ import annotations

import pytest

from masthead.bench import __main__ as runner
from masthead.bench.common import _ms, write_section


def test_a_section_is_appended_then_rewritten_in_place_keeping_everything_else(tmp_path):
    doc = tmp_path / "benchmarks.md"
    members = "<!-- bench:members -->\nold members\n<!-- /bench:members -->"
    doc.write_text(f"# Benchmarks\n\nHand-written notes.\n\n{members}\n\nTail.\n")
    write_section("site", "site figures v1", doc=doc)
    write_section("members", "members figures", doc=doc)
    write_section("site", "site figures v2", doc=doc)
    text = doc.read_text()
    assert "Hand-written notes." in text and "Tail." in text
    assert "<!-- bench:site -->\nsite figures v2\n<!-- /bench:site -->" in text
    assert "site figures v1" not in text and "old members" not in text
    assert text.index("members figures") < text.index("Tail.") < text.index("site figures v2")


def test_a_missing_document_is_created_with_its_header(tmp_path):
    doc = tmp_path / "docs" / "benchmarks.md"
    write_section("narration", "RTF 0.05", doc=doc)
    assert doc.read_text().startswith("# Benchmarks")
    assert "<!-- bench:narration -->\nRTF 0.05\n<!-- /bench:narration -->" in doc.read_text()


def test_sections_are_the_modules_with_known_ones_first():
    names = runner.available()
    assert names[0] == "site"
    assert "common" not in names and "tests" not in names


def test_unknown_section_is_refused_with_the_list(capsys):
    with pytest.raises(SystemExit) as exited:
        runner.main(["no-such-section"])
    assert exited.value.code == 2
    assert "no benchmark section named no-such-section" in capsys.readouterr().err


def test_wrk_latency_units():
    assert _ms("850.00us") == 0.85
    assert _ms("12.5ms") == 12.5
    assert _ms("1.20s") == 1200.0
