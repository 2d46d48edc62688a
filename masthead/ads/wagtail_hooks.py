"""House ads are edited in the Wagtail admin as a snippet, and fill the ad slots newsroom's pages leave;
page shells ask here whether an ad shows to each reader."""

from __future__ import annotations

from typing import Any

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.ads.models import HouseAd, Slot
from masthead.ads.templatetags.ads_tags import ad_slot, fill_ad_hole


class HouseAdViewSet(SnippetViewSet):
    model = HouseAd
    icon = "pick"
    menu_label = "House ads"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "slot", "active", "starts_at", "ends_at", "weight"]
    list_filter = ["slot", "active"]
    search_fields = ["name", "text"]


register_snippet(HouseAdViewSet)


# --- The slots newsroom's pages leave for ads (core's {% slot %}) ---------------


def _filler(slot: str) -> Any:
    def fill(context: Any, **_: Any) -> str:
        return str(ad_slot(context, slot))

    return fill


for _slot in Slot.values:
    hooks.register(f"slot:{_slot}", _filler(_slot))

hooks.register("reader_part:ad", fill_ad_hole)
