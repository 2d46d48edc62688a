"""Stripe.js may load, frame and call home only on the two card-form pages.

Offline (tests, the demo) localstripe serves the fake Stripe.js and its API
from one origin; in production the origins are Stripe's published ones.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from masthead.billing.csp import card_form_sources
from masthead.billing.tests.conftest import subscribe
from masthead.testing.csp import mentions_stripe, policy_of, strictness_problems


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_checkout_may_load_localstripe_and_nothing_else_loosens(stripe_env: Any, plan: Any, reader: Any) -> None:
    response = signed_in(reader).get(f"/billing/subscribe/{plan.slug}/")
    assert response.status_code == 200 and b'id="card-element"' in response.content
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'", stripe_env.url]
    assert policy["connect-src"] == ["'self'", stripe_env.url]
    # localstripe's fake opens no frames; everything else stays as strict as any page.
    assert "stripe" not in " ".join(policy["frame-src"]) and stripe_env.url not in policy["frame-src"]
    assert strictness_problems(policy) == []


def test_the_card_change_page_may_load_it_too(stripe_env: Any, plan: Any, reader: Any) -> None:
    subscribe(stripe_env, reader, plan)
    response = signed_in(reader).get("/billing/payment-method/")
    assert response.status_code == 200 and b'id="card-element"' in response.content
    policy = policy_of(response)
    assert stripe_env.url in policy["script-src"] and stripe_env.url in policy["connect-src"]


def test_no_other_page_names_stripe(stripe_env: Any, plan: Any, reader: Any, magazine: Any) -> None:
    subscribe(stripe_env, reader, plan)
    client = signed_in(reader)
    for url in ("/", magazine.subscriber_article.url, "/billing/", "/billing/account/", "/account/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert mentions_stripe(policy_of(response), stripe_env.url) == [], url
    # The checkout's own sign-in step (it names the plan) is not a card form either.
    signin = Client().get(f"/billing/subscribe/{plan.slug}/")
    assert signin.status_code == 200 and plan.name in signin.content.decode()
    assert mentions_stripe(policy_of(signin), stripe_env.url) == []


def test_with_real_stripe_the_card_form_gets_stripes_published_origins(settings: Any) -> None:
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    assert card_form_sources() == {
        "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    }


def test_a_card_form_between_two_pages_widens_only_its_own_policy(stripe_env: Any, plan: Any, reader: Any, magazine: Any) -> None:
    # The standing policy is built once per process: a widened one must never be kept as it.
    client = signed_in(reader)
    for _ in range(2):
        assert mentions_stripe(policy_of(client.get(magazine.public_article.url)), stripe_env.url) == []
        assert stripe_env.url in policy_of(client.get(f"/billing/subscribe/{plan.slug}/"))["script-src"]
    assert mentions_stripe(policy_of(client.get("/")), stripe_env.url) == []
