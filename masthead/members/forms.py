"""Reader-facing forms of the members app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from masthead.core.models import MagazineSettings
from masthead.members import emails
from masthead.members.tokens import normalise_email


class EmailForm(forms.Form):
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class SignInForm(EmailForm):
    password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        help_text="Leave empty and we will email you a sign-in link instead.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label="New email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_email(self) -> str:
        email = normalise_email(self.cleaned_data["new_email"])
        if email == normalise_email(self.user.email or ""):
            raise forms.ValidationError("That is already your email address.")
        return email


class GiftForm(forms.Form):
    code = forms.CharField(
        label="Gift code",
        max_length=40,
        help_text="The code from your gift email, e.g. ABCD-EFGH-JKLM.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class ResetForm(PasswordResetForm):
    """Django's reset form, but every address gets exactly one email.

    Django sends nothing to unknown addresses or to accounts without a
    password, which makes the response time tell who has an account. Here
    those addresses get a sign-in link instead.
    """

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = normalise_email(self.cleaned_data["email"])
        if any(True for _ in self.get_users(email)):
            # The magazine's name from its one source, not the host name Django would use.
            name = MagazineSettings.current(kwargs.get("request")).name
            extra = {**(kwargs.get("extra_email_context") or {}), "site_name": name}
            super().save(*args, **{**kwargs, "extra_email_context": extra})
            return
        request = kwargs.get("request")
        emails.send_sign_in_link(request, email, reason="reset")
