"""The access levels an article can have: the one list every app shares."""

from __future__ import annotations

from django.db import models


class AccessLevel(models.TextChoices):
    PUBLIC = "public", "Public: everyone reads it in full"
    MEMBERS = "members", "Members: free account required"
    SUBSCRIBERS = "subscribers", "Subscribers only"
