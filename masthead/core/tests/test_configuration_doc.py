"""docs/configuration.md documents every environment variable settings.py reads."""

from __future__ import annotations

import re

from django.conf import settings

DOC = settings.BASE_DIR / "docs" / "configuration.md"
SETTINGS = settings.BASE_DIR / "masthead" / "settings.py"


def test_every_environment_variable_in_settings_is_documented():
    source = SETTINGS.read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PAGE_CACHE_ENABLED"} <= names  # the pattern still matches
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", DOC.read_text(), re.M))
    missing = sorted(names - documented)
    assert not missing, f"add these to docs/configuration.md: {', '.join(missing)}"
