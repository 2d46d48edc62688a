"""Editors keep the pronunciation lexicon as a snippet."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from masthead.narration.models import LexiconEntry


class LexiconViewSet(SnippetViewSet):
    model = LexiconEntry
    icon = "media"
    menu_label = "Pronunciations"
    list_display = ["term", "kind", "replacement", "case_sensitive", "note"]
    search_fields = ["term", "replacement", "note"]
    add_to_admin_menu = True


register_snippet(LexiconViewSet)
