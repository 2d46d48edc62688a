"""Wagtail's images, documents, snippets and redirects apps, without the v3 API they import at start-up.

Wagtail 8's `ready()` for these four apps builds the v3 API (`wagtail.api.v3.api`, django-ninja, a
pydantic schema per model) in every process, whether or not a URL mounts it. Masthead mounts none of it
(the admin uses its own v2 API), and the schemas and ninja cost each web and task worker 12 MiB
(134 → 122 MiB after `django.setup()`, measured 2026-12-03): a margin the narration worker, with its voice
loaded, needs under its 300 MB budget.

Each `ready()` below is Wagtail's own, minus the API lines. `tests/test_wagtail_starts_without_its_api.py`
pins the source of Wagtail's versions, so an upgrade that changes one of them fails until this file has
been compared with it again.
"""

from __future__ import annotations

from django.db.models import ForeignKey
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.snippets.apps import WagtailSnippetsAppConfig


class ImagesConfig(WagtailImagesAppConfig):
    def ready(self) -> None:
        from wagtail.admin.compare import register_comparison_class
        from wagtail.admin.forms.models import register_form_field_override
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.images import get_image_model, get_permission_policy
        from wagtail.images.components import ImageDisplay
        from wagtail.images.edit_handlers import ImageFieldComparison
        from wagtail.images.signal_handlers import register_signal_handlers
        from wagtail.images.widgets import AdminImageChooser
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        image = get_image_model()
        register_permission_policy(image, get_permission_policy())
        register_signal_handlers()
        register_form_field_override(ForeignKey, to=image, override={"widget": AdminImageChooser})
        register_comparison_class(ForeignKey, to=image, comparison_class=ImageFieldComparison)
        register_display_class(ForeignKey, to=image, display_class=ImageDisplay)
        ReferenceIndex.register_model(image)


class DocumentsConfig(WagtailDocsAppConfig):
    def ready(self) -> None:
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.documents import get_document_model, get_permission_policy
        from wagtail.documents.components import DocumentDisplay
        from wagtail.documents.signal_handlers import register_signal_handlers
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        document = get_document_model()
        register_permission_policy(document, get_permission_policy())
        register_signal_handlers()
        register_display_class(ForeignKey, to=document, display_class=DocumentDisplay)
        ReferenceIndex.register_model(document)


class SnippetsConfig(WagtailSnippetsAppConfig):
    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from wagtail.hooks import search_for_hooks
        from wagtail.snippets.models import create_extra_permissions, register_deferred_snippets

        register_deferred_snippets()
        post_migrate.connect(create_extra_permissions, sender=self)
        # Wagtail's API registration lists the snippet models, which imports every app's wagtail_hooks
        # first; snippets registered there (house ads, plans, ...) get their reference-index signals and
        # admin widgets at start-up, in task workers too, that never load the admin's URLs.
        search_for_hooks()


class RedirectsConfig(WagtailRedirectsAppConfig):
    def ready(self) -> None:
        from wagtail.contrib.redirects.models import Redirect
        from wagtail.contrib.redirects.signal_handlers import (
            autocreate_redirects_on_page_move,
            autocreate_redirects_on_slug_change,
        )
        from wagtail.permissions import register_permission_policy
        from wagtail.signals import page_slug_changed, post_page_move

        register_permission_policy(Redirect)
        post_page_move.connect(autocreate_redirects_on_page_move)
        page_slug_changed.connect(autocreate_redirects_on_slug_change)
