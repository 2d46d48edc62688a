"""Edition builders: one per kind of file, each behind the same one-method interface.

``build(content, workspace) -> Built`` writes one file inside the workspace and
says what it made. A builder raises ``BuildError`` with ``retryable`` saying
whether running the same build again could succeed (a storage or worker hiccup)
or not (bad input that an editor must fix first). Anything else it raises is a
bug, recorded as retryable so staff can try again after a fix.

Builders never touch the database or storage: content.issue_content reads the
issue once, the pipeline (editions.services) stores what they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from masthead.editions.builders.content import IssueContent, Workspace


class BuildError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass
class Built:
    path: Path
    page_count: int = 0
    duration_ms: int = 0
    details: dict[str, Any] = field(default_factory=dict)


class Builder(Protocol):
    # Bumped when the builder's output changes for the same content, so every issue rebuilds once.
    version: int
    # Whether the article audio is part of this file's inputs (its hash).
    uses_narration: bool
    uses_text: bool

    def build(self, content: IssueContent, workspace: Workspace) -> Built: ...


def builder_for(kind: str) -> Builder:
    from masthead.editions.builders.audio import AudioBuilder
    from masthead.editions.builders.epub import EpubBuilder
    from masthead.editions.builders.pdf import PrintCoverBuilder, PrintInteriorBuilder, ReadingPdfBuilder

    builders: dict[str, Builder] = {
        "epub": EpubBuilder(),
        "pdf": ReadingPdfBuilder(),
        "print": PrintInteriorBuilder(),
        "print_cover": PrintCoverBuilder(),
        "audio": AudioBuilder(),
    }
    try:
        return builders[kind]
    except KeyError:
        raise BuildError(f"no builder for edition kind {kind!r}", retryable=False) from None
