"""What the two things that draw on finished PDF pages (pdf_stamp's reader line, builders.marks' crop marks)
both need to know about a page, said once.

Both add a Form XObject to a page without touching what the page already draws: its drawing is put
between two streams of theirs, and the XObject is named in its resources. Both have to read the page
tree the same way, too: a page may inherit /Resources and /Rotate from its parents (PDF 32000-1
§7.7.3.4), and a page that seems to have none may be using its parent's.
"""

from __future__ import annotations

import pikepdf


def inherited(page: pikepdf.Object, key: str) -> pikepdf.Object | None:
    """The page's ``key`` (an inheritable one: /Resources, /Rotate, /MediaBox, /CropBox), from the page or its parents."""
    node: pikepdf.Object | None = page
    while node is not None:
        if key in node:
            found: pikepdf.Object = node[key]
            return found
        node = node.get("/Parent")
    return None


def with_xobject(resources: pikepdf.Object, name: str, xobject: pikepdf.Object) -> pikepdf.Dictionary:
    """A copy of the resources' /XObject dictionary with ``xobject`` added as ``name`` (the original is left alone)."""
    found = resources.get("/XObject")
    merged = pikepdf.Dictionary(dict(found.items())) if found is not None else pikepdf.Dictionary()
    merged[name] = xobject
    return merged


def wrapped_drawing(page: pikepdf.Object, before: pikepdf.Object, after: pikepdf.Object) -> pikepdf.Array:
    """The page's content streams between ``before`` and ``after`` (/Contents may be one stream, an array, or absent)."""
    contents = page.get("/Contents")
    own = list(contents) if isinstance(contents, pikepdf.Array) else ([contents] if contents is not None else [])
    return pikepdf.Array([before, *own, after])
