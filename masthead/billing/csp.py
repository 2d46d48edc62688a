"""Stripe's origins in the Content-Security-Policy, on the card-form pages only.

Every other page keeps the strict public policy (masthead/core/csp.py), so a
script injected anywhere else cannot load Stripe.js or talk to Stripe's API.
What Stripe.js needs is Stripe's published list (docs.stripe.com, security
guide, "Content Security Policy"): its script from js.stripe.com (and
subdomains), its card-field and 3-D Secure frames from js.stripe.com and
hooks.stripe.com, its API calls to api.stripe.com. maps.googleapis.com, also on
that list, serves only the Address Element's autocomplete, which Masthead does
not use. Offline, localstripe's fake Stripe.js is served from STRIPE_API_BASE
and calls that same origin; it opens no frames.
"""

from __future__ import annotations

from django.conf import settings

from masthead.core.csp import allows, origin_of

STRIPE_JS_ORIGIN = "https://js.stripe.com"
STRIPE_API_ORIGIN = "https://api.stripe.com"
STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")


def card_form_sources() -> dict[str, list[str]]:
    """The sources the card form adds to the policy, from the Stripe settings in force now."""
    js_origin = origin_of(settings.STRIPE_JS_URL) or STRIPE_JS_ORIGIN
    api_origin = origin_of(settings.STRIPE_API_BASE) if settings.STRIPE_API_BASE else STRIPE_API_ORIGIN
    sources: dict[str, list[str]] = {"script-src": [js_origin], "connect-src": [api_origin or STRIPE_API_ORIGIN]}
    if js_origin == STRIPE_JS_ORIGIN:
        sources["script-src"].append("https://*.js.stripe.com")
        sources["frame-src"] = list(STRIPE_FRAME_ORIGINS)
    return sources


# Let these views' pages load Stripe.js and its frames.
allows_card_form = allows(card_form_sources)
