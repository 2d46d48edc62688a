"""The article editor's form: a taken web address is explained where the editor is looking."""

from __future__ import annotations

from typing import Any

from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page


class ArticlePageForm(WagtailAdminPageForm):
    """Wagtail reports a taken slug only on the Promote tab, where the slug field is.

    The usual cause is an earlier draft of the same headline that autosave created and the editor
    abandoned: publishing the new one then fails with an error out of sight. The headline field (on
    the tab the editor is on) says which page holds the address and what to do about it.
    """

    def clean(self) -> dict[str, Any]:
        # Read before Wagtail's clean(): its add_error("slug", ...) drops the slug from cleaned_data.
        slug = self.cleaned_data.get("slug")
        cleaned: dict[str, Any] = super().clean()
        if slug and "slug" in self.errors and self.parent_page is not None:
            holder = Page.objects.child_of(self.parent_page).filter(slug=slug).exclude(pk=self.instance.pk).first()
            if holder is not None:
                if holder.live:
                    state = "a published page"
                elif holder.first_published_at is None:
                    state = "a draft that was never published (often one autosave kept after it was abandoned): delete it"
                else:
                    state = "an unpublished page"
                self.add_error(
                    "title",
                    f"The web address “{slug}” is already used in {self.parent_page.title} by “{holder.title}”, {state}, "
                    "or change this page's slug on the Promote tab.",
                )
        return cleaned
