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


# --- Article audio: the missing-audio report and the private feed panel ----------
from django.urls import path, reverse  # noqa: E402
from wagtail import hooks  # noqa: E402
from wagtail.admin.menu import MenuItem  # noqa: E402

from masthead.narration import audio_admin, lexicon_admin  # noqa: E402


@hooks.register("register_admin_urls")
def narration_admin_urls() -> list:
    return [
        path("reports/articles-without-audio/", audio_admin.missing_audio_report, name="narration_admin_missing_audio"),
        path("narration/lexicon/listen/", lexicon_admin.lexicon_listen, name="narration_admin_lexicon_listen"),
    ]


@hooks.register("register_reports_menu_item")
def missing_audio_menu_item() -> MenuItem:
    return MenuItem("Articles without audio", reverse("narration_admin_missing_audio"), icon_name="media", order=900)


@hooks.register("masthead_account_panels")
def podcast_account_panel(request):
    return audio_admin.account_panel(request)


@hooks.register("slot:article-tools")
def article_player(context, **kwargs):
    """The listen box in the article header (newsroom's page leaves the slot)."""
    from masthead.narration.templatetags.narration_tags import narration_player

    return str(narration_player(context))


@hooks.register("reader_part:narration_pending")
def narration_pending(request, *, page_id, state=None, **_):
    from masthead.narration.templatetags.narration_tags import pending_note_for

    return pending_note_for(request, page_id=page_id, state=state)


@hooks.register("masthead_listen_url")
def listen_url(page):
    """Where a reader can listen to this article (the player on its page), for emails; None without audio yet."""
    from masthead.narration.listening import FULL, TEASER, ready_narrations

    if any(ready_narrations([page], variant).get(page.pk) for variant in (FULL, TEASER)):
        return f"{page.url}#listen"
    return None
