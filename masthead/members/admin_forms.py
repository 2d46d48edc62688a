"""Staff's forms for grants (comps) in the Wagtail admin."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm

from masthead.members.models import Grant, GrantKind
from masthead.members.tokens import user_for_email
from masthead.newsroom.access import reader_access_ended


class GrantForm(WagtailAdminModelForm):
    """Pick the reader by email (a select of every account would not scale), default to a comp."""

    reader_email = forms.EmailField(label="Reader's email", help_text="The reader must have an account (sign up first).")

    class Meta:
        model = Grant
        fields = ["kind", "reference", "starts_at", "ends_at", "includes_print", "note", "revoked_at", "revoke_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._was_revoked = self.instance.revoked_at is not None
        if self.instance.pk:
            self.fields["reader_email"].initial = self.instance.user.email
        else:
            self.fields["kind"].initial = GrantKind.COMP
            self.fields["reference"].initial = f"comp:{secrets.token_hex(6)}"
            self.fields["starts_at"].initial = timezone.now()
            self.fields["reference"].help_text = "Keep the generated comp reference; billing writes Stripe ids here."

    def clean_reader_email(self) -> Any:
        user = user_for_email(self.cleaned_data["reader_email"])
        if user is None:
            raise forms.ValidationError("No reader has this email address. Ask them to create a free account first.")
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end must come after the start.")
        if cleaned.get("revoked_at") and not cleaned.get("revoke_reason"):
            self.add_error("revoke_reason", "Say why access is revoked (e.g. 'revoked' or 'refunded').")
        return cleaned

    def save(self, commit: bool = True) -> Grant:
        grant: Grant = super().save(commit=False)
        grant.user = self.cleaned_data["reader_email"]
        if grant.pk is None and getattr(self, "for_user", None) is not None:
            grant.created_by = self.for_user
        if commit:
            grant.save()
            if grant.revoked_at is not None and not self._was_revoked:
                # Same consequence as services.end_access(reason="revoked"): private feeds and downloads go.
                reader_access_ended.send(sender=Grant, user=grant.user, reason=grant.revoke_reason or "revoked")
        return grant
