"""Preflight: what a printer checks first, found in our own output.

- Images: the effective resolution of every placed image (pixels ÷ placed
  inches, the lower of the two axes), read from WeasyPrint's layout so the
  report can say which picture on which page.
- Fonts: every font resource in the PDF (pages and the form XObjects
  WeasyPrint wraps content in) and whether its program is embedded, as
  poppler's pdffonts decides it (FontFile/FontFile2/FontFile3; Type 3 fonts
  are their own program).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf

CSS_PX_PER_INCH = 96
MM_PER_INCH = 25.4


def image_report(document: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per placed raster image: page, name, pixels, placed size in mm, effective ppi."""
    rows = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():  # noqa: SLF001 — the layout is the only place placement is known
            image = getattr(box, "replacement", None)
            if image is None or not hasattr(image, "width") or not box.width or not box.height:
                continue
            pixel_w, pixel_h = int(image.width), int(image.height)
            inch_w, inch_h = box.width / CSS_PX_PER_INCH, box.height / CSS_PX_PER_INCH
            ppi = min(pixel_w / inch_w, pixel_h / inch_h)
            src = box.element.get("src", "") if getattr(box, "element", None) is not None else ""
            rows.append(
                {
                    "page": number,
                    "name": names.get(src, Path(src).name),
                    "pixels": [pixel_w, pixel_h],
                    "placed_mm": [round(inch_w * MM_PER_INCH, 1), round(inch_h * MM_PER_INCH, 1)],
                    "ppi": round(ppi),
                }
            )
    return rows


def _font_program(font: Any) -> bool:
    subtype = str(font.get("/Subtype", ""))
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not descendants:
            return False
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _walk_fonts(resources: Any, found: dict[str, dict[str, Any]], seen: set[tuple[int, int]]) -> None:
    if resources is None:
        return
    fonts = resources.get("/Font")
    if fonts is not None:
        for font in fonts.values():
            base = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
            entry = found.setdefault(base, {"name": base, "type": str(font.get("/Subtype", "")).lstrip("/"), "embedded": True})
            entry["embedded"] = entry["embedded"] and _font_program(font)
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for xobject in xobjects.values():
            if str(xobject.get("/Subtype", "")) != "/Form":
                continue
            key = xobject.objgen
            if key in seen:
                continue
            seen.add(key)
            _walk_fonts(xobject.get("/Resources"), found, seen)


def font_report(path: Path) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    seen: set[tuple[int, int]] = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            _walk_fonts(page.obj.get("/Resources"), found, seen)
    return sorted(found.values(), key=lambda font: font["name"])
