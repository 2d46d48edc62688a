"""The apps depend one way, in Python, in templates and in settings (docs/architecture.md).

Read as text and syntax trees, never imported, so the test itself adds no
dependency. Tests, `masthead/testing` and `masthead/bench` are tooling: they
may use any app, and no production module may import them.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]

# Who may use whom (transitively closed below). Plug-in points in the other
# direction are Wagtail hooks (`slot:<name>`, `masthead_account_panels`, ...) or signals.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "access": {"core"},
    "newsroom": {"access"},
    "members": {"access"},
    "billing": {"members"},
    "fulfilment": {"members", "newsroom"},
    "narration": {"newsroom"},
    "ads": {"newsroom"},
    "search": {"newsroom"},
    "editions": {"newsroom", "narration"},
    "newsletters": {"newsroom", "members"},
}
TOOLING = {"testing", "bench"}


def _closure(app: str) -> set[str]:
    seen: set[str] = set()
    todo = list(ALLOWED[app])
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(ALLOWED[dep])
    return seen


def _apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists())


def _production_files(app: str, suffix: str) -> list[Path]:
    root = PACKAGE / app
    return [p for p in root.rglob(f"*{suffix}") if "tests" not in p.relative_to(root).parts and "migrations" not in p.parts]


def _python_uses(path: Path) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "masthead" and len(parts) > 1:
                used.add(parts[1])
    return used


@cache
def _template_owners(package: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(tag library → app, URL namespace or name → app, template folder → app)."""
    libraries, urls, folders = {}, {}, {}
    for app in _apps():
        for lib in (PACKAGE / app / "templatetags").glob("*.py"):
            libraries[lib.stem] = app
        for py in _production_files(app, ".py"):
            text = py.read_text()
            if py.name == "urls.py" and (m := re.search(r'app_name\s*=\s*"([^"]+)"', text)):
                urls[m.group(1)] = app
            for name in re.findall(r'\bname="([a-z0-9_-]+)"', text):
                urls.setdefault(name, app)
        templates = PACKAGE / app / "templates"
        if templates.is_dir():
            for child in templates.iterdir():
                folders[child.name] = app
    return libraries, urls, folders


LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
URL = re.compile(r"""{%\s*url\s+['"]([^'"]+)['"]""")
TEMPLATE_REF = re.compile(r"""{%\s*(?:include|extends)\s+['"]([^'"]+)['"]""")


def _template_uses(path: Path) -> set[str]:
    libraries, urls, folders = _template_owners(PACKAGE)
    text = path.read_text()
    used: set[str] = set()
    for group in LOAD.findall(text):
        used.update(libraries[lib] for lib in group.split() if lib in libraries)
    for name in URL.findall(text):
        key = name.split(":", 1)[0] if ":" in name else name
        if key in urls:
            used.add(urls[key])
    for ref in TEMPLATE_REF.findall(text):
        owner = folders.get(ref.split("/", 1)[0])
        if owner:
            used.add(owner)
    return used


def _violations(app: str) -> list[str]:
    allowed = _closure(app) | {app}
    found = []
    for py in _production_files(app, ".py"):
        for dep in _python_uses(py) - allowed:
            found.append(f"{py.relative_to(PACKAGE)} imports masthead.{dep}")
    for html in _production_files(app, ".html") + _production_files(app, ".txt"):
        for dep in _template_uses(html) - allowed:
            found.append(f"{html.relative_to(PACKAGE)} uses {dep} (tag library, URL or template)")
    return found


def test_every_app_is_in_the_graph():
    assert set(_apps()) <= set(ALLOWED), "add the new app to ALLOWED and to docs/architecture.md"


@pytest.mark.parametrize("app", _apps())
def test_app_uses_only_the_apps_below_it(app):
    assert _violations(app) == []


def test_the_allowed_graph_has_no_cycle():
    for app in ALLOWED:
        assert app not in _closure(app), app


def test_production_code_never_imports_the_tooling():
    offenders = [
        f"{py.relative_to(PACKAGE)} imports masthead.{dep}"
        for app in _apps()
        for py in _production_files(app, ".py")
        for dep in _python_uses(py) & TOOLING
    ]
    assert offenders == []


# Settings name our code only where Django wants a dotted path from the project
# itself (apps, middleware, context processors, the URL and WSGI entry points);
# never as a plug-in point between apps.
SETTINGS_PATHS = re.compile(r'"(masthead\.[a-z_.]+[A-Za-z_]*)"')


def test_settings_wire_apps_in_only_through_django_entry_points():
    text = (PACKAGE / "settings.py").read_text()
    entry_points = []
    for dotted in SETTINGS_PATHS.findall(text):
        if dotted.count(".") == 1 or dotted in {"masthead.urls", "masthead.wsgi.application"}:
            continue  # an app in INSTALLED_APPS, or the project's own entry points
        entry_points.append(dotted)
    # Each of these is something Django or Wagtail itself loads by name (middleware, the auth
    # backend, the database engine, the session engine, storages, a context processor, the image form, Wagtail's app
    # configs less their API), and each lives
    # at the bottom of the graph (core, or access's meter), so no app reaches
    # another through settings.
    assert sorted(entry_points) == [
        "masthead.access.meter.MeterCookieMiddleware",
        "masthead.access.middleware.OneAnswerPerRequestMiddleware",
        "masthead.core.auth.ModelBackend",
        "masthead.core.compression.CompressionMiddleware",
        "masthead.core.context_processors.site",
        "masthead.core.csp.ScopedCSPMiddleware",
        "masthead.core.images.ImageForm",
        "masthead.core.pagecache.AnonymousPageCacheMiddleware",
        "masthead.core.postgresql",
        "masthead.core.routing.RouteMiddleware",
        "masthead.core.sessions",
        "masthead.core.shared_cache.SharedCacheDownMiddleware",
        "masthead.core.storage.PrivateFileSystemStorage",
        "masthead.core.storage.PublicMediaStorage",
        "masthead.core.wagtail_apps.DocumentsConfig",
        "masthead.core.wagtail_apps.ImagesConfig",
        "masthead.core.wagtail_apps.RedirectsConfig",
        "masthead.core.wagtail_apps.SnippetsConfig",
    ], "a new dotted path in settings: use a Wagtail hook or a signal for plug-ins between apps"


def test_the_graph_catches_an_upward_import(tmp_path, monkeypatch):
    # The checker itself must be able to fail: an access module importing newsroom is reported.
    fake = tmp_path / "masthead"
    (fake / "access").mkdir(parents=True)
    (fake / "access" / "apps.py").write_text("")
    (fake / "access" / "bad.py").write_text("def f():\n    from masthead.newsroom.models import ArticlePage\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    assert _violations("access") == ["access/bad.py imports masthead.newsroom"]
