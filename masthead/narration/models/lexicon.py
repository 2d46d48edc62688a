"""The pronunciation lexicon editors keep in the admin (a Wagtail snippet)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, HelpPanel

__all__ = ["LexiconEntry"]


class LexiconEntry(models.Model):
    class Kind(models.TextChoices):
        SAY_AS_WORD = "word", "Say as a word (e.g. NATO)"
        SAY_AS_LETTERS = "letters", "Spell out letters (e.g. FSB → F S B)"
        RESPELL = "respell", "Respell (e.g. Kyiv → Keev)"
        PHONEMES = "phonemes", "Phonemes (espeak-ng / Piper phonemes, e.g. kˈiːv)"

    term = models.CharField(max_length=120, help_text="The word or phrase as it appears in articles.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RESPELL)
    replacement = models.CharField(
        max_length=200,
        blank=True,
        help_text="Respelling or phonemes. Leave empty for 'say as a word' and 'spell out letters'.",
    )
    case_sensitive = models.BooleanField(default=True, help_text="Match only this exact capitalisation.")
    note = models.CharField(max_length=200, blank=True, help_text="Why this entry exists, for the next editor.")
    updated = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("term"),
        FieldPanel("kind"),
        FieldPanel("replacement"),
        FieldPanel("case_sensitive"),
        # Hear the entry before saving it (lexicon_admin.lexicon_listen).
        HelpPanel(heading="Listen", template="narration/admin/listen_panel.html"),
        FieldPanel("note"),
    ]

    class Meta:
        verbose_name = "pronunciation"
        verbose_name_plural = "pronunciation lexicon"
        ordering = ["term"]
        constraints = [models.UniqueConstraint(fields=["term", "case_sensitive"], name="lexicon_term_once")]

    def __str__(self) -> str:
        return f"{self.term} ({self.get_kind_display()})"

    def clean(self) -> None:
        super().clean()
        self.term = self.term.strip()
        if not self.term:
            raise ValidationError({"term": "Enter the word or phrase to pronounce."})
        if self.kind in (self.Kind.RESPELL, self.Kind.PHONEMES) and not self.replacement.strip():
            raise ValidationError({"replacement": "Respelling and phoneme entries need a replacement."})
        if self.kind == self.Kind.PHONEMES and ("[[" in self.replacement or "]]" in self.replacement):
            raise ValidationError({"replacement": "Enter the phonemes without the [[ ]] brackets."})
