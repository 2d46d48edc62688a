"""A greyscale photograph with its own (grey) colour profile comes out of the edition's JPEG path with a
profile that describes its pixels: a grey profile on grey pixels, never a grey profile on RGB pixels,
which colour-managed readers either ignore or misread.

The profile is written here (a minimal ICC v2 grey profile, gamma 2.2), so the test needs no file on disk;
LittleCMS (Pillow's ImageCms) reads it back as a GRAY profile.
"""

from __future__ import annotations

import io
import struct

from django.core.files.images import ImageFile
from PIL import Image, ImageCms
from wagtail.images import get_image_model

from masthead.editions.builders.content import edition_rendition


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def grey_profile() -> bytes:
    d50 = _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    description = b"Grey gamma 2.2\x00"
    tags = [
        (b"desc", b"desc" + bytes(4) + struct.pack(">I", len(description)) + description + bytes(8 + 3 + 67)),
        (b"wtpt", b"XYZ " + bytes(4) + d50),
        (b"kTRC", b"curv" + bytes(4) + struct.pack(">IH", 1, 0x0233)),
        (b"cprt", b"text" + bytes(4) + b"None\x00"),
    ]
    start = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", start + len(data), len(body))
        data += body
    data += bytes(-len(data) % 4)
    header = (
        struct.pack(">I", start + len(data)) + bytes(4) + struct.pack(">I", 0x02100000) + b"mntrGRAYXYZ "
        + bytes(12) + b"acsp" + bytes(4 * 4 + 8 + 4) + d50 + bytes(4 + 16 + 28)
    )  # fmt: skip
    return header + table + data


def test_a_grey_photograph_with_a_grey_profile_is_not_given_rgb_pixels_under_it(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    profile = grey_profile()
    assert ImageCms.ImageCmsProfile(io.BytesIO(profile)).profile.xcolor_space == "GRAY"
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((2400, 1600)).save(buffer, "JPEG", quality=85, icc_profile=profile)
    photo = get_image_model().objects.create(title="A grey harbour", file=ImageFile(buffer, name="grey-harbour.jpg"))

    rendition = edition_rendition(photo, 1200)
    with rendition.file.open("rb") as handle:
        made = Image.open(io.BytesIO(handle.read()))
        made.load()
    assert max(made.size) == 1200
    icc = made.info.get("icc_profile")
    if icc:
        space = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.xcolor_space.strip()
        assert (space, made.mode) in {("GRAY", "L"), ("RGB", "RGB")}, f"a {space} profile on {made.mode} pixels"
