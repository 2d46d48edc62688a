"""serve_private_file: the one way a private file leaves, in each of its three deployments, and what it refuses."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404
from django.test import RequestFactory

from masthead.core.private_files import NO_STORE, private_storage, serve_private_file

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def stored():
    return private_storage.save("editions/2024/issue-6.pdf", ContentFile(DATA))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def get(name, *, method="get", **headers):
    request = getattr(RequestFactory(), method)("/anything", **headers)
    return request


def test_the_private_storage_is_outside_media_and_has_no_url(stored, settings):
    path = private_storage.path(stored)
    assert path.startswith(str(settings.PRIVATE_FILES_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(NotImplementedError):
        private_storage.url(stored)


def test_the_app_streams_the_file_with_ranges_conditional_requests_and_head(stored):
    whole = serve_private_file(get(stored), stored, content_type="application/pdf")
    assert whole.status_code == 200 and body(whole) == DATA
    assert whole["Cache-Control"] == NO_STORE == "private, no-store"
    assert whole["Content-Type"] == "application/pdf" and whole["Accept-Ranges"] == "bytes"
    assert "Content-Disposition" not in whole

    part = serve_private_file(get(stored, HTTP_RANGE="bytes=100-199"), stored, content_type="application/pdf")
    assert part.status_code == 206 and body(part) == DATA[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(DATA)}"

    etag = whole["ETag"]
    assert serve_private_file(get(stored, HTTP_IF_NONE_MATCH=etag), stored, content_type="application/pdf").status_code == 304
    stale = serve_private_file(get(stored, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"old"'), stored, content_type="x/y")
    assert stale.status_code == 200 and body(stale) == DATA

    head = serve_private_file(get(stored, method="head"), stored, content_type="application/pdf")
    assert head.status_code == 200 and head["Content-Length"] == str(len(DATA)) and body(head) == b""


def test_a_download_name_becomes_content_disposition(stored):
    response = serve_private_file(get(stored), stored, content_type="application/pdf", filename="Issue 6 — June.pdf")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Issue%206%20%E2%80%94%20June.pdf" in response["Content-Disposition"]
    inline = serve_private_file(get(stored), stored, content_type="application/pdf", filename="a.pdf", as_attachment=False)
    assert inline["Content-Disposition"] == 'inline; filename="a.pdf"'


@pytest.mark.parametrize(
    "name",
    [
        "../media/x.jpg",
        "editions/../../etc/passwd",
        "/etc/passwd",
        "editions\\..\\..\\secret",
        "editions/\x00.pdf",
        "editions//issue-6.pdf",
        "./editions/issue-6.pdf",
        "",
        "editions",  # a directory, not a file
        "editions/2024/issue-7.pdf",  # a guess at a name that does not exist
    ],
)
def test_names_that_are_not_a_stored_file_are_404_and_never_reach_outside_the_root(stored, name):
    with pytest.raises(Http404):
        serve_private_file(get(name), name, content_type="application/pdf")


def test_behind_nginx_the_app_sends_only_an_internal_redirect(stored, settings):
    settings.PRIVATE_FILES_ACCEL_PREFIX = "/_masthead_private/"
    response = serve_private_file(get(stored), stored, content_type="application/pdf", filename="issue.pdf")
    assert response["X-Accel-Redirect"] == "/_masthead_private/editions/2024/issue-6.pdf"
    assert response["Cache-Control"] == NO_STORE and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response) == b""
    # nginx decodes %XX and splits at "?": names are quoted so they stay one literal path.
    odd = private_storage.save("editions/50% off?.pdf", ContentFile(b"x"))
    assert serve_private_file(get(odd), odd, content_type="x/y")["X-Accel-Redirect"] == (
        "/_masthead_private/editions/50%25%20off%3F.pdf"
    )


# --- On S3 (moto in server mode) ---------------------------------------------------


def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, Any, bytes]:
    """(status, headers (case-insensitive), body)."""
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310 - the loopback moto server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the loopback moto server
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_on_s3_objects_are_private_and_leave_by_a_signed_url_that_expires_within_the_setting(private_files_on_s3, settings):
    from masthead.testing.s3 import s3_client

    settings.PRIVATE_FILES_SIGNED_URL_SECONDS = 45
    endpoint, bucket = private_files_on_s3["endpoint"], private_files_on_s3["bucket"]
    name = private_storage.save("editions/2024/issue-6.pdf", ContentFile(DATA))
    key = f"private/{name}"
    # Written with a private ACL: no grant to everyone or to any signed-in AWS user, and an unsigned GET is refused.
    grants = s3_client(endpoint).get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"] and all("URI" not in g["Grantee"] for g in grants)
    assert fetch(f"{endpoint}/{bucket}/{key}")[0] == 403

    before = datetime.now(UTC).replace(microsecond=0)
    response = serve_private_file(get(name), name, content_type="application/pdf", filename="Issue 6.pdf")
    assert response.status_code == 302
    assert response["Cache-Control"] == NO_STORE  # a cached redirect would outlive the URL and the gate's answer
    url = response["Location"]
    parts, query = urlsplit(url), parse_qs(urlsplit(url).query)
    assert f"{parts.scheme}://{parts.netloc}" == endpoint and parts.path == f"/{bucket}/{key}"
    # SigV4: the URL carries its own lifetime, which S3 enforces (moto does not; see masthead/testing/s3.py).
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["45"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert before <= signed_at <= datetime.now(UTC)

    status, headers, got = fetch(url)
    assert status == 200 and got == DATA
    assert headers["Cache-Control"] == NO_STORE and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment;")
    status, headers, got = fetch(url, Range="bytes=10-19")
    assert status == 206 and got == DATA[10:20]

    # HEAD is signed for HEAD (SigV4 signs the method), and works.
    head = serve_private_file(get(name, method="head"), name, content_type="application/pdf")
    assert fetch(head["Location"], method="HEAD")[0] == 200

    # Traversal never becomes a key outside the prefix.
    with pytest.raises(Http404):
        serve_private_file(get("x"), "../media/photo.jpg", content_type="image/jpeg")


def test_public_media_never_gives_a_name_to_a_second_file(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    media = storages["default"]
    first = media.save("original_images/photo.jpg", ContentFile(b"first"))
    media.delete(first)
    second = media.save("original_images/photo.jpg", ContentFile(b"second"))
    # Each upload gets its own random suffix, so a URL cached for a year never shows other bytes.
    assert first != second
    assert {first.rsplit("/", 1)[1][:6], second.rsplit("/", 1)[1][:6]} == {"photo_"}
    long = media.save("original_images/" + "x" * 200 + ".jpg", ContentFile(b"x"), max_length=100)
    assert len(long) <= 100 and long.endswith(".jpg")


def test_media_url_answers_with_a_year_long_cache_header(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    name = storages["default"].save("original_images/photo.jpg", ContentFile(b"\xff\xd8\xff"))
    response = client.get(settings.MEDIA_URL + name)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(settings.MEDIA_URL + "original_images/nothing.jpg").status_code == 404
