from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from masthead.testing import builders

SEED = Path(__file__).parent / "data" / "kremlin-talks.txt"


@pytest.fixture
def bare_site(db: Any, settings: Any, tmp_path: Path) -> Any:
    """A home page and the six sections, no authors or articles: what an importer meets first."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path / "var"
    home = builders.ensure_home()
    for title in builders.SECTIONS:
        builders.ensure_section(home, title)
    return home
