"""Crop marks outside the bleed, on a slug around the printer's pages.

WeasyPrint's ``marks: crop`` draws the marks inside the bleed and keeps the MediaBox at trim + bleed,
so a printer trimming to the TrimBox finds marks in the area that is meant to carry the bleeding
image and no room outside it. The print files are therefore laid out with ``bleed`` only (no CSS
marks), and this module then, per page:

- sets TrimBox = trim, BleedBox = trim + bleed on every side, MediaBox = bleed + a slug on every side
  (210 × 275 mm trim, 3 mm bleed, 8 mm slug: BleedBox 216 × 281 mm, MediaBox 232 × 297 mm);
- clips the page's own drawing to the BleedBox (whatever WeasyPrint drew beyond it was never meant
  to be printed);
- draws eight marks (two per corner) in the slug, on the trim lines extended outward, from
  ``MARK_GAP_MM`` beyond the BleedBox to ``MARK_LENGTH_MM`` further out: nothing they draw falls
  inside the BleedBox. They are hairlines in the registration colour (Separation /All), so they print
  on every plate.

The page's drawing is wrapped in ``q … Q`` and the marks follow it as a Form XObject shared by every
page of the same size; nothing already in the file is decoded or re-compressed.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from masthead.editions.pdf_pages import inherited, with_xobject, wrapped_drawing

MM = 72 / 25.4
SLUG_MM = 8.0  # room outside the bleed for the marks
MARK_GAP_MM = 1.0  # between the BleedBox and the start of a mark
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25
XOBJECT_NAME = "/MastheadCropMarks"

Box = tuple[float, float, float, float]


def _box(value: pikepdf.Object) -> Box:
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _grow(box: Box, by: float) -> Box:
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


def _rounded(box: Box) -> list[float]:
    return [round(v, 4) for v in box]


def mark_segments(trim: Box, *, bleed_pt: float) -> list[tuple[float, float, float, float]]:
    """The eight marks as (x0, y0, x1, y1) segments: each on a trim line, wholly outside the BleedBox."""
    x0, y0, x1, y1 = trim
    near = bleed_pt + MARK_GAP_MM * MM  # from the trim line to a mark's inner end
    far = near + MARK_LENGTH_MM * MM
    segments = []
    for x, outward_x in ((x0, -1), (x1, 1)):
        for y, outward_y in ((y0, -1), (y1, 1)):
            # Horizontal: along the trim line y, beside the page; vertical: along x, above or below it.
            segments.append((x + outward_x * near, y, x + outward_x * far, y))
            segments.append((x, y + outward_y * near, x, y + outward_y * far))
    return segments


def _marks_xobject(pdf: pikepdf.Pdf, trim: Box, media: Box, *, bleed_pt: float) -> pikepdf.Object:
    registration = pikepdf.Array(
        [
            pikepdf.Name.Separation,
            pikepdf.Name.All,
            pikepdf.Name.DeviceCMYK,
            pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1),
        ]
    )
    lines = [f"/Reg CS 1 SCN {MARK_WIDTH_PT} w 0 J"]
    lines += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in mark_segments(trim, bleed_pt=bleed_pt)]
    return pdf.make_stream(
        "\n".join(lines).encode("ascii"),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=_rounded(media),
        Resources=pikepdf.Dictionary(ColorSpace=pikepdf.Dictionary(Reg=registration)),
    )


def _own_resources(page: pikepdf.Object) -> pikepdf.Object:
    """The page's resource dictionary, made its own (an inherited one is copied onto the page)."""
    if "/Resources" not in page:
        found = inherited(page, "/Resources")
        page.Resources = pikepdf.Dictionary(dict(found.items())) if found is not None else pikepdf.Dictionary()
    # Read back from the page: the caller's changes must land in the dictionary the page now holds.
    resources: pikepdf.Object = page.Resources
    return resources


def add_crop_marks(path: Path, *, bleed_mm: float, slug_mm: float = SLUG_MM) -> None:
    """Rewrite the PDF at ``path`` (laid out at trim + bleed, TrimBox set) with its marks in a slug outside the bleed."""
    bleed_pt, slug_pt = bleed_mm * MM, slug_mm * MM
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        # Per page size: the marks, their name, the clip that opens the page's drawing and the stream that closes it
        # and draws them. Each size has a name of its own: pages often share one resource dictionary (WeasyPrint's
        # all do), and under one name the last size's marks would be drawn on every page.
        shared: dict[tuple[float, ...], tuple[pikepdf.Object, str, pikepdf.Object, pikepdf.Object]] = {}
        for page in pdf.pages:
            obj = page.obj
            trim = _box(obj.TrimBox if "/TrimBox" in obj else page.mediabox)
            bleed = _grow(trim, bleed_pt)
            media = _grow(bleed, slug_pt)
            key = tuple(_rounded(trim))
            if key not in shared:
                width, height = bleed[2] - bleed[0], bleed[3] - bleed[1]
                name = XOBJECT_NAME if not shared else f"{XOBJECT_NAME}{len(shared) + 1}"
                shared[key] = (
                    _marks_xobject(pdf, trim, media, bleed_pt=bleed_pt),
                    name,
                    pdf.make_stream(f"q {bleed[0]:.4f} {bleed[1]:.4f} {width:.4f} {height:.4f} re W n\n".encode("ascii")),
                    pdf.make_stream(f"\nQ q {name} Do Q\n".encode("ascii")),
                )
            marks, name, clip, after = shared[key]
            obj.MediaBox = _rounded(media)
            obj.BleedBox = _rounded(bleed)
            obj.TrimBox = _rounded(trim)
            if "/CropBox" in obj:
                del obj["/CropBox"]  # visible area = MediaBox, so viewers and pdftoppm show the marks

            resources = _own_resources(obj)
            resources.XObject = with_xobject(resources, name, marks)
            obj.Contents = wrapped_drawing(obj, clip, after)
        pdf.save(path)
