"""Where a form sends the reader afterwards (`next`) follows one rule, core.http.safe_next: same-site relative paths only.

The review of the merged code (#8) found a second rule in the newsletters'
account form: it followed any URL on the same host, absolute ones included,
where every other form accepts only a relative path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import masthead

ROOT = Path(masthead.__file__).parent


def test_only_core_http_judges_a_next_url():
    callers = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name == "url_has_allowed_host_and_scheme":
                    callers.append(str(path.relative_to(ROOT)))
    assert sorted(set(callers)) == ["core/http.py"], "use masthead.core.http.safe_next"


@pytest.mark.parametrize("target", ["http://testserver/account/", "//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_newsletters_account_form_follows_only_relative_paths(target, client_for, member, db):
    client = client_for("member")
    assert client.post("/newsletters/account/", {"next": target})["Location"] == "/"
