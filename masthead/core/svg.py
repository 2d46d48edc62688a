"""Uploaded SVG made safe to serve from our own origin: what an allow-list keeps, and nothing else.

An SVG is an XML document, and a document can carry script: ``<script>``,
``onload=``, ``javascript:`` links, HTML inside ``<foreignObject>``, an
``<animate>`` or ``<set>`` that turns an href into ``javascript:`` after
load. Shown in an ``<img>`` a browser runs none of it, but opened by its URL
(a reader who right-clicks the logo, a link someone sends) it is a page of
our origin, with our cookies. So every SVG that reaches public media is
rewritten by ``sanitise``: it is parsed (with defusedxml: no entity
expansion, no external entity or DTD is ever fetched), and written out again
holding only elements and attributes known to draw, with links only to
fragments of the same file (``#id``) and embedded pictures only as raster
``data:`` URIs. Media also serves ``.svg`` with a policy that forbids script
(core.views.public_media, deploy/nginx/masthead-files.conf), so either
guard alone holds.

What cannot be read as an SVG drawing is refused with ``UnsafeSvg``, whose
message names the problem for the publisher.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (only to build and write trees; parsing is defusedxml's)

import resvg_py
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Willow (Wagtail's image library) registers the default namespace as SVG on import; so do we (and again
# before each write: see sanitise), so a tree is written as <svg xmlns="…"><path …/>, not <ns0:svg …>.
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Elements that draw (shapes, text, paint servers, clipping, filters) or describe (title, desc).
# Not here, so dropped with everything inside them: script, foreignObject, the animation elements
# (animate, set, … can rewrite an href after the file is checked), feImage (fetches an href), iframe,
# audio, video, metadata (foreign RDF), and every element outside the SVG namespace (editors' own).
ELEMENTS = frozenset(
    """svg g defs symbol use title desc switch path rect circle ellipse line polyline polygon text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker image style filter feBlend feColorMatrix
    feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight
    feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology
    feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence""".split()
)
# A link is no use in a logo, but its drawing is: the <a> goes, its children stay.
UNWRAPPED = frozenset({"a"})

# Geometry, presentation and filter attributes. Any other is dropped: on* handlers above all.
ATTRIBUTES = frozenset(
    """id class style transform viewBox preserveAspectRatio version width height x y x1 y1 x2 y2 cx cy r rx ry
    fx fy fr d points pathLength fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display visibility
    overflow clip clip-path clip-rule mask filter offset stop-color stop-opacity gradientUnits gradientTransform
    spreadMethod patternUnits patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits
    mask-type filterUnits primitiveUnits markerWidth markerHeight markerUnits refX refY orient marker-start
    marker-mid marker-end font font-family font-size font-size-adjust font-weight font-style font-variant
    font-stretch text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing
    text-decoration dx dy rotate textLength lengthAdjust startOffset method spacing side writing-mode
    direction unicode-bidi paint-order vector-effect shape-rendering text-rendering image-rendering
    color-interpolation color-interpolation-filters color-rendering mix-blend-mode isolation lighting-color
    flood-color flood-opacity in in2 result stdDeviation mode operator k1 k2 k3 k4 values type tableValues slope
    intercept amplitude exponent radius edgeMode order kernelMatrix divisor bias targetX targetY
    preserveAlpha surfaceScale diffuseConstant specularConstant specularExponent kernelUnitLength scale
    xChannelSelector yChannelSelector azimuth elevation z pointsAtX pointsAtY pointsAtZ limitingConeAngle
    baseFrequency numOctaves seed stitchTiles xml:space xml:lang lang""".split()
)
HREF = "href"
XLINK_HREF = f"{{{XLINK_NS}}}href"
# Elements whose href points at another part of the drawing; it must be a fragment of this file.
LOCAL_HREF = frozenset({"use", "linearGradient", "radialGradient", "pattern", "textPath", "filter"})
RASTER_DATA_URI = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")
URL_REFERENCE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
# In CSS, any of these can fetch, bind or run something; a backslash could spell them in escapes.
CSS_FORBIDDEN = re.compile(r"@import|expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:|\\|<", re.IGNORECASE)
LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*$")

# A logo has tens or hundreds of elements. These bound what a drawing may cost to render: <use> can
# repeat a group that itself repeats a group (the "billion laughs" of SVG), so the count is of the
# elements as drawn, with every <use> expanded.
MAX_ELEMENTS = 20_000
MAX_DRAWN_ELEMENTS = 100_000
# Writing and checking a tree recurse once per level; no drawing program nests groups this deep.
MAX_DEPTH = 100


class UnsafeSvg(ValueError):
    """An upload that cannot be made into a safe SVG drawing; the message says why, for the publisher."""


def is_svg_name(name: str) -> bool:
    return str(name).lower().endswith(".svg")


def _local(tag: object) -> tuple[str, str]:
    """(namespace, local name) of an element or attribute name; comments and PIs have a non-str tag."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _css_is_safe(css: str) -> bool:
    if CSS_FORBIDDEN.search(css):
        return False
    return all(target.strip().startswith("#") for _, target in URL_REFERENCE.findall(css))


def _attribute_name(name: str) -> str | None:
    """The name as the allow-list spells it, or None for a namespace we do not keep."""
    namespace, local = _local(name)
    if namespace == "":
        return local
    if namespace == XML_NS:
        return f"xml:{local}"
    if namespace == XLINK_NS and local == "href":
        return HREF
    return None


def _keep_attribute(element: str, name: str, value: str) -> bool:
    spelled = _attribute_name(name)
    if spelled is None:
        return False
    if spelled == HREF:
        if element in LOCAL_HREF:
            return value.strip().startswith("#")
        return element == "image" and bool(RASTER_DATA_URI.match(value.strip()))
    if spelled not in ATTRIBUTES:
        return False
    # Presentation values may point at a paint server or a clip path ("url(#grad)"), never at a document.
    return _css_is_safe(value)


def _clean(element: ET.Element) -> None:
    """Keep what the allow-list names, in place, depth first."""
    _, name = _local(element.tag)
    for attribute, value in list(element.attrib.items()):
        if not _keep_attribute(name, attribute, value):
            del element.attrib[attribute]
    if name == "style" and not _css_is_safe(element.text or ""):
        element.text = ""
    index = 0
    while index < len(element):
        child = element[index]
        namespace, child_name = _local(child.tag)
        if namespace == SVG_NS and child_name in UNWRAPPED:
            # Its children take its place (its text is not drawn: text is drawn only inside <text>).
            element.remove(child)
            for offset, grandchild in enumerate(list(child)):
                element.insert(index + offset, grandchild)
            continue
        if namespace != SVG_NS or child_name not in ELEMENTS:
            element.remove(child)
            continue
        _clean(child)
        index += 1


def _size(root: ET.Element) -> tuple[int, int]:
    """(elements, deepest nesting), without recursion: the tree may be hostile."""
    elements, deepest, stack = 0, 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        elements, deepest = elements + 1, max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return elements, deepest


def _drawn_count(root: ET.Element) -> int:
    """How many elements are drawn with every <use> replaced by what it repeats; UnsafeSvg on a loop."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted: dict[int, int] = {}
    in_progress: set[int] = set()

    def count(element: ET.Element) -> int:
        key = id(element)
        if key in counted:
            return counted[key]
        if key in in_progress:
            raise UnsafeSvg("A <use> in the SVG repeats itself (directly or through another <use>), so it never ends.")
        in_progress.add(key)
        total = 1 + sum(count(child) for child in element)
        if _local(element.tag)[1] == "use":
            target = by_id.get((element.get(HREF) or element.get(XLINK_HREF) or "").strip()[1:])
            if target is not None:
                total += count(target)
        in_progress.discard(key)
        counted[key] = total = min(total, MAX_DRAWN_ELEMENTS + 1)
        return total

    return count(root)


def _add_view_box(root: ET.Element) -> None:
    """A drawing with only width and height does not scale in an <img>; with a viewBox it is sharp at any size."""
    if root.get("viewBox"):
        return
    width, height = LENGTH.match(root.get("width") or ""), LENGTH.match(root.get("height") or "")
    if width and height:
        root.set("viewBox", f"0 0 {width.group(1)} {height.group(1)}")


def _parse(data: bytes) -> ET.Element:
    try:
        root: ET.Element = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden:
        raise UnsafeSvg(
            "The SVG declares XML entities (<!ENTITY …>), which can expand without end or read files on the server. "
            "Export it again without them (most drawing programs' plain or optimised SVG has none)."
        ) from None
    except (ExternalReferenceForbidden, DTDForbidden):
        raise UnsafeSvg(
            "The SVG refers to an outside document (an external DTD or entity); export it again without one."
        ) from None
    except DefusedXmlException as exc:
        raise UnsafeSvg(f"The SVG uses an XML feature logos may not use ({exc.__class__.__name__}).") from None
    except ET.ParseError as exc:
        raise UnsafeSvg(f"The file is not a readable SVG: its XML is broken ({exc}).") from None
    except (ValueError, UnicodeError) as exc:
        raise UnsafeSvg(f"The file is not a readable SVG ({exc}).") from None
    namespace, name = _local(root.tag)
    if (namespace, name) == ("", "svg"):
        raise UnsafeSvg(f'The file\'s <svg> has no xmlns="{SVG_NS}", so browsers do not draw it; export it again as SVG.')
    if (namespace, name) != (SVG_NS, "svg"):
        found = f"<{name}>" if namespace in ("", SVG_NS) else f"<{name}> in the namespace {namespace}"
        raise UnsafeSvg(f'The file is XML but not an SVG drawing: its outermost element is {found}, not <svg xmlns="{SVG_NS}">.')
    return root


def check_drawable(data: bytes) -> None:
    """UnsafeSvg unless resvg (which draws the favicon and the podcast cover) can draw it: a size above zero."""
    try:
        resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), width=16)
    except (ValueError, UnicodeError) as exc:
        raise UnsafeSvg(
            f"The SVG cannot be drawn ({exc}): give its <svg> a viewBox, or a width and a height above zero."
        ) from None


def sanitise(data: bytes) -> bytes:
    """The drawing with only what draws kept, as UTF-8 SVG; UnsafeSvg (saying why) when it cannot be read as one.

    Idempotent: a sanitised drawing comes back unchanged, so storing it again (a
    rendition, a copy) costs nothing and changes nothing.
    """
    root = _parse(data)
    elements, depth = _size(root)
    if elements > MAX_ELEMENTS:
        raise UnsafeSvg(f"The SVG has more than {MAX_ELEMENTS:,} elements; a logo needs far fewer. Simplify it and export again.")
    if depth > MAX_DEPTH:
        raise UnsafeSvg(f"The SVG nests its elements more than {MAX_DEPTH} deep; a logo needs far fewer levels. Export it again.")
    _clean(root)
    if _drawn_count(root) > MAX_DRAWN_ELEMENTS:
        raise UnsafeSvg(
            f"The SVG repeats shapes with <use> until it draws more than {MAX_DRAWN_ELEMENTS:,} of them; "
            "a logo needs far fewer. Simplify it and export again."
        )
    _add_view_box(root)
    # The prefix map is process-global and others rewrite it after we import (WeasyPrint maps the empty
    # prefix to no namespace, which drops SVG's): set it again just before writing, so the file reads
    # <svg xmlns="…"> and never <ns0:svg …> in a worker that has built a PDF.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
