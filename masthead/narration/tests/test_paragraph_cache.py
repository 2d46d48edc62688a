"""Editing one paragraph of a 20-paragraph article re-synthesises exactly that paragraph."""

from __future__ import annotations

from masthead.narration import services
from masthead.narration.models import Clip, Narration
from masthead.narration.tests.support import CountingEngine, edit_paragraph, make_long_article


def test_one_paragraph_edit_speaks_one_paragraph(magazine):
    page = make_long_article(magazine)
    engine = CountingEngine()
    first = services.narrate(page_id=page.pk, engine=engine)
    assert first.status == "ready"
    spoken_first = len(engine.calls)
    # headline + byline + 20 paragraphs
    assert spoken_first == 22 == len(first.segments)

    page = edit_paragraph(page, 7, "Paragraph eight now says something new about 2022.")
    engine.calls.clear()
    second = services.narrate(page_id=page.pk, engine=engine)

    assert engine.calls == ["Paragraph eight now says something new about twenty twenty-two."]
    assert second.pk != first.pk and second.revision_id == page.live_revision_id
    assert second.status == "ready"
    assert second.audio.name != first.audio.name  # a new version gets a new URL
    assert Clip.objects.count() == 23
    assert Narration.objects.filter(page=page).count() == 2


def test_same_text_in_another_article_is_not_spoken_again(magazine):
    engine = CountingEngine()
    a = make_long_article(magazine, paragraphs=3)
    services.narrate(page_id=a.pk, engine=engine)
    engine.calls.clear()
    b = make_long_article(magazine, paragraphs=4)
    services.narrate(page_id=b.pk, engine=engine)
    # Only the new fourth paragraph; headline, byline and the first three come from the cache.
    assert len(engine.calls) == 1 and engine.calls[0].startswith("Paragraph four")


def test_another_voice_does_not_reuse_clips(magazine):
    page = make_long_article(magazine, paragraphs=2)
    services.narrate(page_id=page.pk, engine=CountingEngine(voice_id="voice-a"))
    other = CountingEngine(voice_id="voice-b")
    narration = services.narrate(page_id=page.pk, engine=other)
    assert len(other.calls) == 4 and narration.voice.startswith("voice-b/")
