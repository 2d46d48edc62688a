"""House ads are edited in the Wagtail admin as a snippet."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.ads.models import HouseAd


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
