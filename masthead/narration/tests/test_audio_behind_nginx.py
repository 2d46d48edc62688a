"""Behind real nginx with deploy/nginx/masthead-files.conf: the app gates, nginx sends the bytes (X-Accel-Redirect)."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from masthead.narration.tests.listening_helpers import make_narration, tone_mp3
from masthead.narration.transcripts import audio_path

SNIPPET = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "masthead-files.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PREFIX = "/_masthead_private/"


def _free_port() -> int:
    for _ in range(50):
        port = random.randint(20000, 29999)
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 20000-29999")


@pytest.fixture
def nginx(live_server, magazine, settings, tmp_path) -> Iterator[str]:
    """nginx on 127.0.0.1 proxying to the live server, with the shipped snippet pointed at this test's directories.

    After `magazine`, which chooses the test's MEDIA_ROOT.
    """
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/bootstrap.sh test installs nginx-light)")
    settings.PRIVATE_FILES_ACCEL_PREFIX = PREFIX
    conf_dir = tmp_path / "nginx"
    scratch = conf_dir / "scratch"
    scratch.mkdir(parents=True)
    snippet = SNIPPET.read_text()
    assert "/srv/masthead/var/private/" in snippet and "/srv/masthead/var/media/" in snippet
    snippet = snippet.replace("/srv/masthead/var/private/", f"{settings.PRIVATE_FILES_ROOT}/").replace(
        "/srv/masthead/var/media/", f"{settings.MEDIA_ROOT}/"
    )
    (conf_dir / "masthead-files.conf").write_text(snippet)
    port = _free_port()
    # As Debian's nginx.conf does: the snippet relies on it for the types of media files.
    mime_types = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read the test's root-owned directories
    (conf_dir / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
  {mime_types}
  access_log off;
  client_body_temp_path {scratch};
  proxy_temp_path {scratch};
  fastcgi_temp_path {scratch};
  uwsgi_temp_path {scratch};
  scgi_temp_path {scratch};
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass {live_server.url};
      proxy_set_header Host $http_host;
    }}
    include {conf_dir}/masthead-files.conf;
  }}
}}
"""
    )
    proc = subprocess.Popen(
        [NGINX, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-e", str(conf_dir / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            if proc.poll() is not None:
                pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url: str, *, cookie: str = "", method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    extra = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, method=method, headers={**headers, **extra})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a loopback test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_nginx_sends_gated_audio_only_after_the_gate_and_never_to_a_direct_request(nginx, magazine, subscriber, settings):
    full = make_narration(magazine.subscriber_article, variant="full")
    data = tone_mp3()
    cookie = session_cookie(subscriber)

    status, headers, body = fetch(nginx + audio_path(full), cookie=cookie)
    assert status == 200 and body == data
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Cache-Control"] == "private, no-store"  # the app's choice survives the internal redirect
    assert "X-Accel-Redirect" not in headers

    status, headers, body = fetch(nginx + audio_path(full), cookie=cookie, Range="bytes=0-1")
    assert status == 206 and body == data[:2] and headers["Content-Range"] == f"bytes 0-1/{len(data)}"
    status, headers, body = fetch(nginx + audio_path(full), cookie=cookie, method="HEAD")
    assert status == 200 and headers["Content-Length"] == str(len(data)) and body == b""

    # Not entitled: the app refuses and nginx never looks at the file.
    assert fetch(nginx + audio_path(full))[0] == 403
    # The private location answers only internal redirects, whatever the path looks like.
    for path in (full.audio.name, "../private/" + full.audio.name, full.audio.name.replace("/", "%2F")):
        assert fetch(nginx + PREFIX + path)[0] == 404, path
    assert fetch(nginx + settings.MEDIA_URL + full.audio.name)[0] == 404


def test_public_audio_and_media_through_nginx_may_be_cached_for_a_year(nginx, magazine, settings):
    public = make_narration(magazine.public_article)
    status, headers, _ = fetch(nginx + audio_path(public))
    assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable"
    photo = magazine.public_article.hero_image.file.name
    status, headers, body = fetch(nginx + settings.MEDIA_URL + photo)
    assert status == 200 and body
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_svg_in_media_through_nginx_runs_no_script(nginx, magazine, settings):
    # Written past the app's storage (which would have stripped the script): the snippet's policy holds alone.
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    (Path(settings.MEDIA_ROOT) / "images").mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / "images" / "logo.SVG").write_bytes(hostile)
    status, headers, body = fetch(nginx + settings.MEDIA_URL + "images/logo.SVG")
    assert status == 200 and body == hostile
    assert headers["Content-Type"] == "image/svg+xml"
    assert headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # A photo keeps the plain media headers, and no policy of the SVG's.
    photo = magazine.public_article.hero_image.file.name
    status, headers, _ = fetch(nginx + settings.MEDIA_URL + photo)
    assert status == 200 and "Content-Security-Policy" not in headers
