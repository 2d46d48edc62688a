from __future__ import annotations

from typing import Any

from django import forms

from masthead.fulfilment.models import ADDRESS_FIELDS, REQUIRED_MESSAGES, PostalAddress


class PostalAddressForm(forms.ModelForm):
    class Meta:
        model = PostalAddress
        fields = list(ADDRESS_FIELDS)
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "country": forms.Select(attrs={"autocomplete": "country"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in REQUIRED_MESSAGES.items():
            self.fields[name].error_messages["required"] = message
