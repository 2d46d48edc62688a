"""Staff's form for grants (comps) in the Wagtail admin: it validates; access.services writes.

A grant's reader, kind and reference are fixed once it exists (moving a paid
grant to another reader, or turning it into a comp, would be a new grant), and
a revocation cannot be undone here: a revoked grant stays revoked, as
access.services promises every caller.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm

from masthead.access import services
from masthead.access.models import Grant, GrantKind
from masthead.members.tokens import user_for_email

REVOKE_REASONS = sorted(services.EARLY_END_REASONS)


class GrantForm(WagtailAdminModelForm):
    """Pick the reader by email (a select of every account would not scale), default to a comp."""

    reader_email = forms.EmailField(label="Reader's email", help_text="The reader must have an account (sign up first).")
    instance: Grant

    class Meta:
        model = Grant
        fields = ["kind", "reference", "starts_at", "ends_at", "includes_print", "note", "revoked_at", "revoke_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._was_revoked = self.instance.revoked_at is not None
        self.fields["revoke_reason"].help_text = f"Why access is taken away early: {' or '.join(REVOKE_REASONS)}."
        if self.instance.pk:
            self.fields["reader_email"].initial = self.instance.user.email
            for name in ("reader_email", "kind", "reference"):
                self.fields[name].disabled = True
            if self._was_revoked:
                self.fields["revoked_at"].disabled = True
                self.fields["revoke_reason"].disabled = True
                self.fields["revoked_at"].help_text = "A revoked grant stays revoked; grant new access instead."
        else:
            self.fields["kind"].initial = GrantKind.COMP
            self.fields["reference"].initial = f"comp:{secrets.token_hex(6)}"
            self.fields["starts_at"].initial = timezone.now()
            self.fields["reference"].help_text = "Keep the generated comp reference; billing writes Stripe ids here."

    def clean_reader_email(self) -> Any:
        if self.instance.pk:
            return self.instance.user
        user = user_for_email(self.cleaned_data["reader_email"])
        if user is None:
            raise forms.ValidationError("No reader has this email address. Ask them to create a free account first.")
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end must come after the start.")
        if not self._was_revoked and cleaned.get("revoked_at"):
            reason = cleaned.get("revoke_reason") or ""
            if reason not in REVOKE_REASONS:
                self.add_error("revoke_reason", f"Say why access is revoked: {' or '.join(REVOKE_REASONS)}.")
        return cleaned

    def save(self, commit: bool = True) -> Grant:
        data = self.cleaned_data
        kind = self.instance.kind if self.instance.pk else data["kind"]
        reference = self.instance.reference if self.instance.pk else data["reference"]
        # AccessError (a concurrent writer got there first) reaches the view, which shows it on the form.
        grant: Grant | None = services.grant_access(
            user=data["reader_email"],
            kind=kind,
            reference=reference,
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            includes_print=bool(data.get("includes_print")),
            note=data.get("note") or "",
            created_by=None if self.instance.pk else getattr(self, "for_user", None),
        )
        if data.get("revoked_at") and not self._was_revoked:
            # The same consequence as any early end: private feeds and downloads go (access_ended).
            grant = services.end_access(kind=kind, reference=reference, at=data["revoked_at"], reason=data["revoke_reason"])
        assert grant is not None
        self.instance = grant
        return grant
