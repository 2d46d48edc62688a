# mypy: allow-subclassing-any
"""The admin's image upload (WAGTAILIMAGES_IMAGE_FORM_BASE): an SVG is made safe before Wagtail sees it.

Wagtail accepts SVG (WAGTAILIMAGES_EXTENSIONS lists it, for the magazine's
logo) and would store the file as uploaded. Here the upload is first rewritten
by core.svg.sanitise, so the stored original, its hash and every rendition
made from it hold only what draws; a file that cannot be made safe (entities,
broken XML, not an SVG) is refused on the form with the reason. The media
storage sanitises every .svg it writes as well (core.storage), for uploads
that do not come through this form.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm

from masthead.core import svg


class SanitisedImageField(WagtailImageField):
    """Wagtail's image field, with an SVG upload replaced by its sanitised drawing before it is read."""

    def to_python(self, data: Any) -> Any:
        name = getattr(data, "name", "") or ""
        if data is None or not svg.is_svg_name(name):
            return super().to_python(data)
        if self.max_upload_size is not None and getattr(data, "size", 0) > self.max_upload_size:
            return super().to_python(data)  # Wagtail refuses it for its size, before anyone parses it
        data.seek(0)
        try:
            clean = svg.sanitise(data.read())
            svg.check_drawable(clean)
        except svg.UnsafeSvg as exc:
            raise ValidationError(str(exc), code="unsafe_svg") from None
        return super().to_python(SimpleUploadedFile(name, clean, content_type="image/svg+xml"))


class ImageForm(BaseImageForm):
    """Wagtail's image form (add, edit, the chooser's upload, the multiple uploader) with SanitisedImageField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Wagtail's form factory makes the file field itself (formfield_callback), and a field
        # declared here would also reach the multiple uploader's edit form, which has no file.
        # The field gains one method and no state, so its class is swapped on this form's copy.
        field = self.fields.get("file")
        if type(field) is WagtailImageField:
            field.__class__ = SanitisedImageField
