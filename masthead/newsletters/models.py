"""Newsletters, who receives them, what was sent to whom, and who must never get mail again.

A Subscriber is an email address (linked to a reader account when there is
one). A Send is one email to one newsletter's readers; fanning it out freezes
its recipients as Delivery rows, one per (send, subscriber) under a unique
constraint. Workers claim Delivery rows atomically (delivery.py), so a retry or
a second worker never sends twice, and a crash leaves "unknown" rows that
staff resend by hand, never silently.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone who signs up"
    MEMBERS = "members", "Readers with an account"
    SUBSCRIBERS = "subscribers", "Paying subscribers only"


class Newsletter(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True, help_text="One line shown where readers choose newsletters.")
    sender_name = models.CharField(max_length=120, help_text="The From: name, e.g. 'The Masthead Review'.")
    sender_email = models.EmailField(help_text="The From: address; its domain needs SPF, DKIM and DMARC (docs/email.md).")
    reply_to = models.EmailField(blank=True, help_text="Where replies go; empty: to the sender address.")
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    default_on_signup = models.BooleanField("ticked at sign-up", default=False, help_text="New readers see it ticked.")
    sends_new_issues = models.BooleanField(
        "sent when an issue is published", default=False, help_text="Each newly published issue goes out to this newsletter."
    )
    track_opens = models.BooleanField(default=False, help_text="Only through a provider that tracks (anymail); off by default.")
    track_clicks = models.BooleanField(default=False, help_text="Only through a provider that tracks (anymail); off by default.")
    active = models.BooleanField(default=True, help_text="Inactive newsletters are hidden from readers and cannot be sent.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("sender_name"), FieldPanel("sender_email"), FieldPanel("reply_to")]),
        FieldRowPanel([FieldPanel("audience"), FieldPanel("default_on_signup"), FieldPanel("sends_new_issues")]),
        MultiFieldPanel([FieldPanel("track_opens"), FieldPanel("track_clicks")], heading="Tracking"),
        FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
    ]

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def from_header(self) -> str:
        from email.utils import formataddr

        return formataddr((self.sender_name, self.sender_email))


class Subscriber(models.Model):
    """One email address that may receive newsletters."""

    email = models.EmailField(max_length=254, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="newsletter_subscriber"
    )
    # Double opt-in: nothing is sent to an address until someone proved they read it.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the address to be confirmed"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class Subscription(models.Model):
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING)
    # "signup", "account", "preferences", "import", "staff"
    source = models.CharField(max_length=16, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The send whose link or header the reader used, for that send's "unsubscribed" count.
    unsubscribed_from = models.ForeignKey("Send", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "newsletter"], name="subscription_once")]
        indexes = [models.Index(fields=["newsletter", "status"], name="subscription_list")]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.newsletter} ({self.status})"


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", "Hard bounce"
    COMPLAINED = "complained", "Spam complaint"
    REJECTED = "rejected", "Rejected by the provider"
    MANUAL = "manual", "Added by staff"


class Suppression(models.Model):
    """An address that gets no newsletter at all: a hard bounce, a complaint, or staff's word."""

    email = models.EmailField(max_length=254, unique=True)
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class SendKind(models.TextChoices):
    ARTICLE = "article", "An article"
    ISSUE = "issue", "A whole issue"
    POST = "post", "An email-only post"


class SendStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    SENT = "sent", "Sent"


class Send(models.Model):
    """One email to one newsletter's readers."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="sends")
    subject = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=SendKind.choices, default=SendKind.ARTICLE)
    article = models.ForeignKey("newsroom.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issue = models.ForeignKey("newsroom.IssuePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = RichTextField(
        blank=True,
        features=["bold", "italic", "link", "h2", "ul", "ol"],
        help_text="The post itself, or a note above the article.",
    )
    status = models.CharField(max_length=16, choices=SendStatus.choices, default=SendStatus.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Messages per second across every worker of this send; 0 uses NEWSLETTER_RATE.
    rate = models.PositiveIntegerField(default=0)
    # Made by publishing an issue (at most one per newsletter and issue).
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Recipients frozen when the send started (fan-out).
    recipient_count = models.PositiveIntegerField(default=0)
    prepared = models.BooleanField(default=False)
    # The shared pace of all workers: the next batch may be claimed from this moment.
    next_batch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "issue"], condition=Q(automatic=True), name="one_automatic_send_per_issue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newsletter}: {self.subject}"

    @property
    def is_finished(self) -> bool:
        return self.status in (SendStatus.SENT, SendStatus.CANCELLED)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Handed to a worker"
    SENT = "sent", "Accepted by the mail server"
    FAILED = "failed", "Refused by the mail server"
    UNKNOWN = "unknown", "Unknown: the worker stopped mid-batch"
    SKIPPED = "skipped", "Skipped (suppressed or unsubscribed meanwhile)"
    CANCELLED = "cancelled", "Cancelled"


class Delivery(models.Model):
    """One recipient of one send. Claimed by exactly one worker; never sent twice by the code."""

    send = models.ForeignKey(Send, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # The provider's id for the message (anymail), to match tracking events.
    provider_id = models.CharField(max_length=200, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    resent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["send", "subscriber"], name="delivery_once_per_send")]
        indexes = [models.Index(fields=["send", "status", "id"], name="delivery_claim")]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"

    @property
    def message_id(self) -> str:
        return message_id_for(self.send_id, self.pk)


def message_id_for(send_id: Any, delivery_id: Any) -> str:
    """Deterministic, so a duplicate would show in any log as the same Message-ID twice."""
    return f"<nl{send_id}.d{delivery_id}@{settings.NEWSLETTER_MESSAGE_ID_DOMAIN}>"


class TrackingEvent(models.Model):
    """A provider event seen once: providers deliver webhooks at least once, often several times."""

    esp = models.CharField(max_length=40)
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=32)
    recipient = models.CharField(max_length=254, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["esp", "event_id"], name="tracking_event_once")]

    def __str__(self) -> str:
        return f"{self.esp} {self.event_type} {self.recipient}"
