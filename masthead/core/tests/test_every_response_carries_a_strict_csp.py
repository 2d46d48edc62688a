"""Every response carries a Content-Security-Policy: strict on the public site,
measured and looser on the Wagtail admin, the same bytes for a cached page.

The browser side (no page the browser tests visit reports a violation) is in
masthead/testing/browser.py's ``page`` fixture and test_no_csp_violation_in_a_browser.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, RequestFactory

from masthead.core import pagecache
from masthead.testing.csp import HEADER, directives, mentions_stripe, policy_of, strictness_problems

ROOT = Path(__file__).resolve().parents[3]


def test_reader_pages_carry_the_strict_policy(client_for: Any, magazine: Any, member: Any) -> None:
    anonymous = client_for("anonymous")
    pages = {
        "home": (anonymous, "/"),
        "public article": (anonymous, magazine.public_article.url),
        "paywalled article": (anonymous, magazine.subscriber_article.url),
        "section": (anonymous, magazine.sections["Politics"].url),
        "issue": (anonymous, magazine.issue.url),
        "plans": (anonymous, "/billing/"),
        "sign-in": (anonymous, "/account/signin/"),
        "search": (anonymous, "/search/?q=report"),
        "account": (client_for(member), "/account/"),
        "plans, signed in": (client_for(member), "/billing/"),
    }
    problems = {}
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        policy = policy_of(response)
        if found := strictness_problems(policy) + mentions_stripe(policy):
            problems[name] = found
    assert not problems


def test_the_policy_is_not_a_formality() -> None:
    """The rule above fails a policy that would let an injected script run."""
    weak = directives(
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )
    assert strictness_problems(weak) == ["script-src allows [\"'unsafe-inline'\"]"]
    assert strictness_problems({**weak, "script-src": ["'self'"], "object-src": ["*"]})
    assert mentions_stripe({"script-src": ["'self'", "https://js.stripe.com"]}) == ["script-src https://js.stripe.com"]


def test_non_html_responses_carry_it_too(client: Client, magazine: Any) -> None:
    """Feeds, robots.txt and served media: a file opened as a document still runs no script."""
    for url in ("/feeds/rss/", "/robots.txt", "/sitemap.xml"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert strictness_problems(policy_of(response)) == [], url


def test_a_cached_page_is_replayed_with_the_header_it_was_stored_with(magazine: Any) -> None:
    """No nonce anywhere: one stored body, one stored header, for every anonymous reader."""
    first = Client().get(magazine.public_article.url)
    second = Client().get(magazine.public_article.url)
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert second[HEADER] == first[HEADER]
    assert strictness_problems(policy_of(second)) == []
    assert b"nonce" not in first.content

    # The WSGI door, which answers hits before Django builds a request, replays it as well.
    environ = RequestFactory().get(magazine.public_article.url).environ
    answered: dict[str, Any] = {}
    door = pagecache.PageCacheWSGI(WSGIHandler())
    door(environ, lambda status, headers: answered.update(status=status, headers=dict(headers)))
    assert answered["headers"]["X-Cache"] == "HIT"
    assert answered["headers"][HEADER] == first[HEADER]


def test_the_admin_has_its_own_policy(client_for: Any, editor: Any, staff: Any, magazine: Any) -> None:
    """Measured in Chromium (docs/security.md): inline script and style, self-framed previews,
    Gravatar and Wagtail's release feed. Never eval, plugins, foreign forms or a foreign base."""
    for client, url in ((Client(), "/admin/login/"), (client_for(editor), "/admin/"), (client_for(staff), "/django-admin/")):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = policy_of(response)
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"], url
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert not any("'unsafe-eval'" in sources for sources in policy.values())
        assert mentions_stripe(policy) == []


def test_a_preview_keeps_the_public_policy_but_may_be_framed_by_the_admin(staff: Any, magazine: Any) -> None:
    """Wagtail renders a preview for a made-up request to the page's public URL, shown in an admin frame."""
    request = RequestFactory().get("/admin/pages/1/edit/preview/")
    request.user = staff
    request.session = Client().session
    response = magazine.public_article.make_preview_request(original_request=request)
    policy = policy_of(response)
    assert policy["frame-ancestors"] == ["'self'"]
    assert strictness_problems({**policy, "frame-ancestors": ["'none'"]}) == []


def test_media_may_come_from_the_media_origin_only(client: Client, magazine: Any, settings: Any) -> None:
    settings.MEDIA_URL = "https://media.example.net/media/"
    policy = policy_of(client.get(magazine.public_article.url))
    assert policy["img-src"] == ["'self'", "https://media.example.net"]
    assert policy["media-src"] == ["'self'", "https://media.example.net"]
    assert "https://media.example.net" not in policy["script-src"] + policy["style-src"] + policy["connect-src"]


def test_an_s3_custom_domain_is_a_media_origin(client: Client, magazine: Any, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "media", "custom_domain": "cdn.example.org", "querystring_auth": False},
        },
    }
    policy = policy_of(client.get("/robots.txt"))
    assert "https://cdn.example.org" in policy["img-src"]
    assert "https://cdn.example.org" in policy["media-src"]


# --- from the environment (settings are read once per process) ---------------

SHOW_POLICY = """
import django; django.setup()
from django.http import HttpResponse
from django.test import RequestFactory
from masthead.core.csp import ScopedCSPMiddleware
for path in ("/", "/admin/"):
    response = ScopedCSPMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get(path))
    for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        print(path, name, response.headers.get(name, "-"), sep="|")
"""


def settings_process(tmp_path: Path, **values: str) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "masthead.settings",
        "MASTHEAD_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEBUG": "1",
        **values,
    }
    return subprocess.Popen(
        [sys.executable, "-c", SHOW_POLICY], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_settings(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    process = settings_process(tmp_path, **values)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def headers_from(result: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], str]:
    assert result.returncode == 0, result.stderr
    rows = [line.split("|") for line in result.stdout.splitlines()]
    return {(path, name): value for path, name, value in rows}


def test_report_only_mode_and_a_report_uri_come_from_the_environment(tmp_path: Path) -> None:
    shown = headers_from(run_settings(tmp_path, CSP_REPORT_ONLY="1", CSP_REPORT_URI="https://reports.example.com/csp"))
    for path in ("/", "/admin/"):
        assert shown[(path, "Content-Security-Policy")] == "-"
        policy = directives(shown[(path, "Content-Security-Policy-Report-Only")])
        assert policy["report-uri"] == ["https://reports.example.com/csp"]
    assert directives(shown[("/", "Content-Security-Policy-Report-Only")])["frame-ancestors"] == ["'none'"]
    assert directives(shown[("/admin/", "Content-Security-Policy-Report-Only")])["frame-ancestors"] == ["'self'"]


def test_by_default_the_policy_is_enforced_and_https_sites_upgrade_requests(tmp_path: Path) -> None:
    shown = headers_from(run_settings(tmp_path, SITE_URL="https://magazine.example", CSP_FRAME_SRC=""))
    assert shown[("/", "Content-Security-Policy-Report-Only")] == "-"
    policy = directives(shown[("/", "Content-Security-Policy")])
    assert policy["upgrade-insecure-requests"] == []
    assert policy["frame-src"] == ["'none'"]  # no embeds allowed at all
    assert "report-uri" not in policy


BAD = [
    ("CSP_FRAME_SRC", "https://www.youtube.com; script-src *"),  # would smuggle in a directive
    ("CSP_FRAME_SRC", "www.youtube.com"),  # no scheme
    ("CSP_FRAME_SRC", "'unsafe-inline'"),
    ("CSP_REPORT_URI", "javascript:alert(1)"),
    ("CSP_REPORT_URI", "/report; script-src *"),
    ("CSP_REPORT_ONLY", "perhaps"),
]


def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    # Concurrently: each is a fresh interpreter that fails while importing settings.
    processes = [settings_process(tmp_path, **{variable: value}) for variable, value in BAD]
    failures = []
    for (variable, value), process in zip(BAD, processes, strict=True):
        _, stderr = process.communicate(timeout=120)
        last_line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        if process.returncode == 0:
            failures.append(f"{variable}={value!r}: started anyway")
        elif not last_line.startswith("django.core.exceptions.ImproperlyConfigured") or variable not in last_line:
            failures.append(f"{variable}={value!r}: expected ImproperlyConfigured naming it, got {last_line!r}")
    assert not failures, "\n".join(failures)
