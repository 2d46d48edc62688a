"""An SVG is a document that can carry script. Whatever an uploaded SVG holds, it never runs script in our
origin: what draws is kept and the rest is removed on upload; what cannot be read safely (entities, broken
XML, not an SVG) is refused with the reason; and media serves every .svg with a policy that runs no script,
so even a file that reached the disk some other way is inert when opened by its URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model

from masthead.core import svg
from masthead.core.tests.logos import chief, upload  # noqa: F401  (chief: a fixture)

HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="10">'
SHAPE = b'<rect id="bar" width="40" height="10" fill="#143c78"/>'


def drawing(inner: bytes, head: bytes = HEAD) -> bytes:
    return head + SHAPE + inner + b"</svg>"


# What each attack leaves in the file if it survives (checked case-insensitively).
HOSTILE = {
    "script element": (drawing(b"<script>alert(document.cookie)</script>"), ["<script", "alert"]),
    "script with CDATA": (drawing(b"<script><![CDATA[fetch('/account/')]]></script>"), ["script", "fetch"]),
    "onload on the root": (drawing(b"", HEAD.replace(b">", b' onload="alert(1)">', 1)), ["onload", "alert"]),
    "onclick on a shape": (drawing(b'<circle r="4" onclick="alert(1)" onmouseover="alert(2)"/>'), ["onclick", "onmouseover"]),
    "javascript: link": (drawing(b'<a href="javascript:alert(1)"><circle r="4"/></a>'), ["javascript", "<a"]),
    "javascript: xlink": (drawing(b'<a xlink:href="javascript:alert(1)"><circle r="4"/></a>'), ["javascript"]),
    "use of an outside file": (drawing(b'<use href="https://evil.example/x.svg#a"/>'), ["evil.example"]),
    "use of a data: document": (drawing(b'<use href="data:image/svg+xml;base64,PHN2Zz4="/>'), ["data:"]),
    "image from a javascript: URL": (drawing(b'<image href="javascript:alert(1)"/>'), ["javascript"]),
    "image from another site": (drawing(b'<image xlink:href="https://evil.example/track.png"/>'), ["evil.example"]),
    "foreignObject with HTML": (
        drawing(b'<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="/account/"/></body></foreignObject>'),
        ["foreignobject", "iframe", "xhtml"],
    ),
    "animation that sets an href": (
        drawing(
            b'<a><set attributeName="href" to="javascript:alert(1)"/>'
            b'<animate attributeName="href" values="javascript:alert(2)"/></a>'
        ),
        ["javascript", "<set", "<animate"],
    ),
    "style that imports": (
        drawing(b"<style>@import url(https://evil.example/x.css); rect { fill: red }</style>"),
        ["evil.example", "@import"],
    ),
    "style attribute that fetches": (
        drawing(b'<circle r="4" style="fill: url(https://evil.example/p.svg#x)"/>'),
        ["evil.example"],
    ),
    "paint from another site": (drawing(b'<circle r="4" fill="url(https://evil.example/p.svg#x)"/>'), ["evil.example"]),
    "stylesheet processing instruction": (
        b'<?xml-stylesheet type="text/css" href="https://evil.example/x.css"?>' + drawing(b""),
        ["evil.example", "xml-stylesheet"],
    ),
    "handler given by a DTD default": (
        b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>' + drawing(b""),
        ["onload", "alert"],
    ),
    "link spelled in character references": (
        drawing(b'<a href="&#x6A;avascript:alert(1)"><circle r="4"/></a><use href="&#x6A;avascript:alert(1)"/>'),
        ["javascript", "alert"],
    ),
    "xml:base pointing elsewhere": (drawing(b'<g xml:base="https://evil.example/"><circle r="4"/></g>'), ["evil.example"]),
    "an editor's private namespace": (
        drawing(b'<x:payload xmlns:x="urn:evil"><script xmlns="http://www.w3.org/2000/svg">alert(1)</script></x:payload>'),
        ["urn:evil", "payload", "script"],
    ),
}


@pytest.mark.parametrize("attack", HOSTILE, ids=list(HOSTILE))
def test_script_links_and_outside_resources_are_removed_and_the_drawing_kept(attack):
    hostile, traces = HOSTILE[attack]
    clean = svg.sanitise(hostile).decode()
    for trace in traces:
        assert trace.lower() not in clean.lower(), (trace, clean)
    assert SHAPE.decode().replace("/>", " />") in clean  # the drawing is untouched
    assert svg.sanitise(clean.encode()) == clean.encode()  # and stable: storing it again changes nothing


def test_what_draws_is_kept():
    logo = drawing(
        b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
        b'<use xlink:href="#bar" x="2"/><circle r="4" fill="url(#g)" style="stroke: url(#g)"/>'
        b'<image width="4" height="4" href="data:image/png;base64,iVBORw0KGgo="/>'
        b'<text x="1" y="9" font-family="Georgia, serif">Review &amp; Co</text><style>text { fill: url(#g) }</style>'
    )
    clean = svg.sanitise(logo).decode()
    for kept in [
        'xlink:href="#bar"',
        'fill="url(#g)"',
        'style="stroke: url(#g)"',
        'href="data:image/png;base64,',
        "Review &amp; Co",
        "text { fill: url(#g) }",
    ]:
        assert kept in clean, (kept, clean)


# (upload, words the refusal must contain)
REFUSED = {
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>',
        "entities",
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
        "entities",
    ),
    "broken XML": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "XML is broken"),
    "HTML named .svg": (b"<html><body><script>alert(1)</script></body></html>", "not an SVG drawing"),
    "a drawing of no size": (b'<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>', "cannot be drawn"),
    "SVG without its namespace": (b'<svg width="4" height="4"><rect width="4" height="4"/></svg>', "has no xmlns"),
    "a use that repeats itself": (drawing(b'<g id="loop"><use href="#loop"/></g>'), "repeats itself"),
    "use bomb": (
        HEAD
        + b"".join(
            b'<g id="l%d">%s</g>' % (i, b"".join(b'<use href="#l%d"/>' % (i - 1) for _ in range(10)) if i else SHAPE)
            for i in range(7)
        )
        + b"</svg>",
        "more than 100,000",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_what_cannot_be_read_safely_is_refused_in_the_admin_with_the_reason(chief, magazine, case):  # noqa: F811
    content, words = REFUSED[case]
    response = upload(chief, "logo.svg", content)
    assert response.status_code == 200  # the form again, with the error
    html = response.content.decode()
    assert words in html.replace("&#x27;", "'"), re.findall(r'class="error-message">(.*?)</', html, re.S) or html[:3000]
    assert not get_image_model().objects.filter(title="Logo").exists()


def test_a_hostile_upload_is_stored_without_its_script(chief, magazine):  # noqa: F811
    hostile, _ = HOSTILE["onload on the root"]
    assert upload(chief, "logo.svg", hostile.replace(b"</svg>", b"<script>alert(1)</script></svg>")).status_code == 302
    stored = get_image_model().objects.get(title="Logo").file.read()
    assert b"onload" not in stored and b"script" not in stored and b"<rect" in stored


def test_the_admins_multiple_uploader_strips_and_refuses_the_same(chief, magazine):  # noqa: F811
    # Images → Add an image is Wagtail's multiple uploader, which answers in JSON.
    url = reverse("wagtailimages:add_multiple")
    hostile, _ = HOSTILE["onload on the root"]
    answer = chief.post(url, {"files[]": SimpleUploadedFile("logo.svg", hostile, content_type="image/svg+xml")}).json()
    assert answer["success"], answer
    stored = get_image_model().objects.get(pk=answer["image_id"]).file.read()
    assert b"onload" not in stored and b"<rect" in stored

    bomb, _ = REFUSED["billion laughs"]
    answer = chief.post(url, {"files[]": SimpleUploadedFile("bomb.svg", bomb, content_type="image/svg+xml")}).json()
    assert not answer["success"] and "entities" in answer["error_message"], answer


def test_media_storage_stores_no_svg_that_could_run_script(magazine):
    # However a file arrives (a script, an importer, a rendition), not only through the admin's form.
    name = default_storage.save("images/by-hand.svg", ContentFile(HOSTILE["script element"][0]))
    assert b"script" not in default_storage.open(name).read()
    with pytest.raises(svg.UnsafeSvg):
        default_storage.save("images/bomb.svg", ContentFile(REFUSED["billion laughs"][0]))
    # Other files are stored byte for byte.
    name = default_storage.save("images/notes.txt", ContentFile(b"<script>not an svg</script>"))
    assert default_storage.open(name).read() == b"<script>not an svg</script>"


def test_an_svg_in_media_is_served_with_a_policy_that_runs_no_script(client, magazine, settings):
    # Written past the storage, as a restored backup or a hand-copied file would be: the header still holds.
    path = Path(settings.MEDIA_ROOT) / "images" / "raw.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(HOSTILE["script element"][0])
    response = client.get("/media/images/raw.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Other media keeps the site's policy.
    (Path(settings.MEDIA_ROOT) / "images" / "photo.txt").write_bytes(b"x")
    assert "default-src 'none'; style-src 'unsafe-inline'" != client.get("/media/images/photo.txt").get("Content-Security-Policy")


def test_a_worker_that_has_built_a_pdf_still_writes_a_plain_svg():
    # WeasyPrint, on import, maps the empty prefix to no namespace in ElementTree's global prefix map,
    # which drops SVG's: the cleaned logo must still be <svg xmlns="…">, not <ns0:svg …>.
    import xml.etree.ElementTree as ET

    ET.register_namespace("", "")
    try:
        clean = svg.sanitise(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><rect width="40" height="10"/></svg>'
        )
    finally:
        ET.register_namespace("", svg.SVG_NS)
    assert b'<svg xmlns="http://www.w3.org/2000/svg"' in clean and b"ns0:" not in clean
