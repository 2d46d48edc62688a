"""House ads are edited in the Wagtail admin as a snippet; page shells ask here whether an ad shows."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.ads.models import HouseAd
from masthead.ads.templatetags.ads_tags import fill_ad_hole


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
hooks.register("reader_part:ad", fill_ad_hole)
