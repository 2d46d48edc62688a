"""Wagtail's images, documents, snippets and redirects apps start as Wagtail starts them, less the v3 API.

masthead/core/wagtail_apps.py replaces four of Wagtail's `ready()` methods so that no process imports
django-ninja and Wagtail's v3 API, which no URL mounts. Two fresh processes, one with
Wagtail's own app configs and one with ours, must leave every registry and signal those methods touch the
same; and Wagtail's methods are pinned, so an upgrade that changes them fails here until ours is compared.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.apps import AppConfig
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.snippets.apps import WagtailSnippetsAppConfig

ROOT = Path(__file__).resolve().parents[3]
# The v3 API and the framework only it uses (pydantic and REST framework also serve the admin's v2 API).
API_PACKAGES = ("ninja", "wagtail.api.v3")

# What one process sets up, as names: which modules it imported, and what the four apps register.
DESCRIBE = textwrap.dedent(
    """
    import json, sys, weakref
    import django
    django.setup()
    from django.apps import apps
    from django.db.models.signals import post_delete, post_migrate, post_save
    from wagtail.admin.compare import comparison_class_registry
    from wagtail.admin.forms.models import registry as form_field_registry
    from wagtail.admin.ui.fields import display_class_registry
    from wagtail.models.reference_index import ReferenceIndex
    from wagtail.permissions import policy_registry
    from wagtail.signals import page_slug_changed, post_page_move

    names = {id(model): model._meta.label for model in apps.get_models()}
    names.update({id(config): "app:" + config.label for config in apps.get_app_configs()})

    def name(value):
        if isinstance(value, type):
            return value.__module__ + "." + value.__qualname__
        if isinstance(value, dict):
            return {key: name(item) for key, item in sorted(value.items())}
        if callable(value) and hasattr(value, "__qualname__"):
            return value.__module__ + "." + value.__qualname__
        model = getattr(value, "model", None)
        return name(type(value)) + (" for " + model._meta.label if model is not None else "")

    def registry(reg):
        tables = [reg.values_by_class, reg.values_by_exact_class, getattr(reg, "values_by_fk_related_model", {})]
        return [sorted([name(key), json.dumps(name(value), sort_keys=True)] for key, value in table.items()) for table in tables]

    def receivers(signal):
        found = []
        for entry in signal.receivers:
            lookup_key, target = entry[0], entry[1]
            receiver = target() if isinstance(target, weakref.ReferenceType) else target
            found.append([name(receiver), names.get(lookup_key[1], "any sender")])
        return sorted(found)

    print(json.dumps({
        "api_imported": sorted(p for p in %(packages)r if p in sys.modules),
        "form_fields": registry(form_field_registry),
        "comparisons": registry(comparison_class_registry),
        "displays": registry(display_class_registry),
        "policies": registry(policy_registry),
        "reference_index": sorted(m._meta.label for m in ReferenceIndex.indexed_models),
        "signals": {
            signal_name: receivers(globals()[signal_name])
            for signal_name in ("post_save", "post_delete", "post_migrate", "page_slug_changed", "post_page_move")
        },
    }))
    """
) % {"packages": API_PACKAGES}

STOCK_SETTINGS = textwrap.dedent(
    """
    from masthead.settings import *  # noqa: F403
    OURS = {
        "masthead.core.wagtail_apps.ImagesConfig": "wagtail.images",
        "masthead.core.wagtail_apps.DocumentsConfig": "wagtail.documents",
        "masthead.core.wagtail_apps.SnippetsConfig": "wagtail.snippets",
        "masthead.core.wagtail_apps.RedirectsConfig": "wagtail.contrib.redirects",
    }
    assert set(OURS) <= set(INSTALLED_APPS), "the project no longer installs the replaced configs"  # noqa: F405
    INSTALLED_APPS = [OURS.get(app, app) for app in INSTALLED_APPS]  # noqa: F405
    """
)

# sha256 of each Wagtail `ready()` our configs stand in for, as of wagtail 8.0.1.
PINNED = {
    WagtailImagesAppConfig: "52e409385bb1ad6269ea4d3e46918062ec1b167f9667b89fc6581a4d79c31aa2",
    WagtailDocsAppConfig: "4cdf87a46dbf81efa9910450b8a0756c0474db373c840e42180c24936737ac6d",
    WagtailSnippetsAppConfig: "1ac35b5ed40349560ef6772c940e99518fb6b96c9700e505fade4d7f289785e2",
    WagtailRedirectsAppConfig: "19d1a78049d84e479ad274b23b38dd533bfe9d897661912593ec0b2c293881e9",
}


def _describe(tmp_path: Path, settings_module: str) -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", DESCRIBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    described: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return described


@pytest.fixture(scope="module")
def stock_and_ours(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], dict[str, object]]:
    where = tmp_path_factory.mktemp("stock_wagtail")
    (where / "stock_wagtail_settings.py").write_text(STOCK_SETTINGS)
    return _describe(where, "stock_wagtail_settings"), _describe(where, "masthead.settings")


def test_no_process_imports_the_api(stock_and_ours: tuple[dict[str, object], dict[str, object]]) -> None:
    stock, ours = stock_and_ours
    assert stock["api_imported"] == sorted(API_PACKAGES), "Wagtail's own configs no longer import the API: drop ours"
    assert ours["api_imported"] == []


@pytest.mark.parametrize("part", ["form_fields", "comparisons", "displays", "policies", "reference_index", "signals"])
def test_everything_else_is_registered_as_wagtail_registers_it(
    stock_and_ours: tuple[dict[str, object], dict[str, object]], part: str
) -> None:
    stock, ours = stock_and_ours
    assert stock[part], f"nothing found in {part}: the description reads the wrong registry"
    assert ours[part] == stock[part]


@pytest.mark.parametrize("config", list(PINNED), ids=lambda config: config.__module__)
def test_wagtails_own_ready_is_the_one_ours_was_copied_from(config: type[AppConfig]) -> None:
    source = inspect.getsource(config.ready)
    assert hashlib.sha256(source.encode()).hexdigest() == PINNED[config], (
        f"{config.__module__}.{config.__qualname__}.ready() changed in this Wagtail: compare it with "
        f"masthead/core/wagtail_apps.py, carry over what is new, then update PINNED.\n{source}"
    )
