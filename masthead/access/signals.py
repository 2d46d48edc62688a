"""Signals access sends; other apps listen instead of being imported."""

from __future__ import annotations

from django.dispatch import Signal

# Sent when a reader's paid access ends early or lapses (refund, revoked comp,
# expiry): receivers revoke what they issued (private feed tokens, download links).
# kwargs: user, reason ("refunded", "revoked", "expired", ...).
access_ended = Signal()
