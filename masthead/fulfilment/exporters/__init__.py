"""Mailing exporters: turn one issue's mailing list into what a mailing house takes.

One method, so a mailing house's own format or API can sit beside the CSV one.
"""

from __future__ import annotations

from typing import IO, Protocol

from masthead.fulfilment.mailing import Mailing


class MailingExportError(Exception):
    """An export that did not complete; `retryable` says whether trying again can help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class MailingExporter(Protocol):
    def export(self, mailing: Mailing, out: IO[str]) -> int:
        """Write the mailing's addressed recipients to `out`; return how many rows were written."""
        ...
