"""CSV cells that a spreadsheet will show as text, never run as a formula (CSV injection).

Every CSV we write (member exports, print mailing lists) holds text readers typed.
OWASP's rule is to prefix a cell starting with = + - @ tab or CR with an apostrophe.
We keep one exception: + or - followed only by digits, spaces and ( ) . - is a
phone number or a plain number ("+1 415 555 0100"), which the mailing house needs
as it is and which cannot call anything. "-2+3+cmd|..." still gets the apostrophe.
"""

from __future__ import annotations

import re

_ALWAYS = ("=", "@", "\t", "\r")
_NUMBERISH = re.compile(r"[+-][\d\s().-]*")


def safe_cell(value: str) -> str:
    if value.startswith(_ALWAYS):
        return f"'{value}"
    if value[:1] in ("+", "-") and not _NUMBERISH.fullmatch(value):
        return f"'{value}"
    return value
