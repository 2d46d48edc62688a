"""Every CSV we write passes its cells through one guard against spreadsheet formulas."""

from __future__ import annotations

import pytest

from masthead.core.spreadsheets import safe_cell


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(evil)", "'=HYPERLINK(evil)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),  # starts like a number, is not one
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+1 415 555 0100", "+1 415 555 0100"),
        ("+44 (20) 7946-0000", "+44 (20) 7946-0000"),
        ("-12.50", "-12.50"),
        ("Jane = Doe", "Jane = Doe"),
        ("", ""),
    ],
)
def test_cells_that_could_run_get_an_apostrophe_and_others_are_untouched(cell, written):
    assert safe_cell(cell) == written
