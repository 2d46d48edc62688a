"""Grants (comps, gifts, subscriptions) and gift codes in the Wagtail admin (registered from MembersConfig.ready)."""

from __future__ import annotations

from typing import Any

from django import forms
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from masthead.access.models import Grant
from masthead.access.services import AccessError
from masthead.members import services
from masthead.members.admin_forms import GrantForm
from masthead.members.models import GiftCode


class _RefusalsOnTheForm:
    """access.services may refuse at write time (a concurrent writer won): show it on the form, not as a 500."""

    def form_valid(self, form: Any) -> Any:
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except AccessError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)  # type: ignore[attr-defined]


class GrantCreateView(_RefusalsOnTheForm, generic.CreateView):
    pass


class GrantEditView(_RefusalsOnTheForm, generic.EditView):
    pass


class GrantViewSet(ModelViewSet):
    model = Grant
    add_view_class = GrantCreateView
    edit_view_class = GrantEditView
    icon = "lock-open"
    menu_label = "Access grants"
    copy_view_enabled = False
    list_display = ["user", "kind", "note", "starts_at", "ends_at", "includes_print", "revoked_at"]
    list_filter = ["kind", "includes_print"]
    search_fields = ["user__email", "reference", "note"]

    def get_form_class(self, for_update: bool = False) -> Any:
        return GrantForm


class GiftForm(WagtailAdminModelForm):
    class Meta:
        model = GiftCode
        fields = ["code", "months", "includes_print", "purchaser_email", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["code"].initial = services.new_gift_code()
        self.fields["months"].validators.append(_months_in_range)


def _months_in_range(value: int) -> None:
    if not 1 <= value <= 60:
        raise forms.ValidationError("A gift runs 1 to 60 months.")


class GiftCodeViewSet(ModelViewSet):
    model = GiftCode
    icon = "tag"
    menu_label = "Gift codes"
    copy_view_enabled = False
    list_display = ["code", "months", "includes_print", "purchaser_email", "redeemed_by", "redeemed_at"]
    list_filter = ["includes_print", "months"]
    search_fields = ["code", "purchaser_email", "redeemed_by__email"]

    def get_form_class(self, for_update: bool = False) -> Any:
        return GiftForm


class MembersGroup(ViewSetGroup):
    menu_label = "Readers"
    menu_icon = "group"
    menu_order = 250
    items = (
        GrantViewSet("members_grants", url_prefix="readers/grants"),
        GiftCodeViewSet("members_gift_codes", url_prefix="readers/gift-codes"),
    )


@hooks.register("register_admin_viewset")
def register_members_viewsets() -> ViewSetGroup:
    return MembersGroup()
