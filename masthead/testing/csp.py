"""Reading a Content-Security-Policy header in tests, and what "strict" means for the public site."""

from __future__ import annotations

from typing import Any

HEADER = "Content-Security-Policy"
# Sources that would let an injected script or style run on a public page.
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", "'nonce-", "'sha", "data:", "blob:", "*")


def directives(header: str) -> dict[str, list[str]]:
    """``"a x y; b z"`` as ``{"a": ["x", "y"], "b": ["z"]}``."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in parsed, f"{words[0]} appears twice in {header!r}"
            parsed[words[0]] = words[1:]
    return parsed


def policy_of(response: Any, header: str = HEADER) -> dict[str, list[str]]:
    value = response.headers.get(header)
    assert value, f"{response.wsgi_request.path if hasattr(response, 'wsgi_request') else response} has no {header} header"
    return directives(value)


def unsafe_sources(sources: list[str]) -> list[str]:
    return [source for source in sources if source == "*" or source.startswith(UNSAFE[:-1])]


def strictness_problems(policy: dict[str, list[str]]) -> list[str]:
    """What makes this policy weaker than the public site's rule; empty when it holds."""
    problems = []
    expected = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "style-src": ["'self'"],
    }
    for directive, sources in expected.items():
        if policy.get(directive) != sources:
            problems.append(f"{directive} is {policy.get(directive)}, should be {sources}")
    script = policy.get("script-src")
    if not script or script[0] != "'self'":
        problems.append(f"script-src is {script}, should start with 'self'")
    for directive, sources in policy.items():
        if bad := unsafe_sources(sources):
            problems.append(f"{directive} allows {bad}")
    return problems


def mentions_stripe(policy: dict[str, list[str]], *extra_origins: str) -> list[str]:
    """Every source naming Stripe (or one of the given origins, e.g. localstripe's)."""
    return [
        f"{directive} {source}"
        for directive, sources in policy.items()
        for source in sources
        if "stripe.com" in source or any(source.startswith(origin) for origin in extra_origins)
    ]
