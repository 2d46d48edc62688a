"""Reader-facing billing forms: they validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms

from masthead.billing import gifts


class BillingDetailsForm(forms.Form):
    """Who the receipts are made out to: for a business, its name, address and VAT / tax ID."""

    billing_name = forms.CharField(label="Name on receipts", max_length=120, required=False)
    billing_address = forms.CharField(
        label="Billing address",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    billing_country = forms.CharField(
        label="Country code",
        max_length=60,  # checked below, with a message that says what to type
        required=False,
        help_text="Two letters, e.g. DE, GB, US.",
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 3}),
    )
    tax_id = forms.CharField(
        label="VAT / tax ID",
        max_length=40,
        required=False,
        help_text="For businesses: printed on every receipt, e.g. DE123456789.",
    )

    def clean_billing_country(self) -> str:
        value = str(self.cleaned_data.get("billing_country") or "").strip().upper()
        if value and not (len(value) == 2 and value.isalpha() and value.isascii()):
            raise forms.ValidationError("Use the two-letter country code, e.g. DE.")
        return value

    def clean_tax_id(self) -> str:
        value = "".join(str(self.cleaned_data.get("tax_id") or "").split()).upper()
        if value and not all(c.isalnum() or c in "-." for c in value):
            raise forms.ValidationError("A tax ID has letters, digits, dots and dashes only.")
        return value

    def clean_billing_name(self) -> str:
        return " ".join(str(self.cleaned_data.get("billing_name") or "").split())


class GiftForm(forms.Form):
    option = forms.ChoiceField(label="The gift", widget=forms.RadioSelect)
    recipient_email = forms.EmailField(
        label="Their email address (optional)",
        required=False,
        help_text="We email them the code. Leave empty to give it yourself: the code is also emailed to you.",
    )
    message = forms.CharField(
        label="A message for them (optional)", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = gifts.options()
        field = self.fields["option"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(o.key, o.label) for o in self.offered]
