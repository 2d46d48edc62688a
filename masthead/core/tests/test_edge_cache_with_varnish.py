"""The edge cache as deployed: a real varnishd with deploy/varnish/default.vcl in front of the app.

Varnish keeps only what the app marked for every anonymous reader, never a
signed-in, metered or Set-Cookie response, and a publish purges exactly the
pages built from what changed (xkey). Skips when varnishd is not installed
(`scripts/bootstrap.sh test` installs Debian's varnish and varnish-modules).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from masthead.testing.fixtures import SECRET_MARKER

VCL = Path(__file__).resolve().parents[3] / "deploy" / "varnish" / "default.vcl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def varnish(live_server: Any, settings: Any) -> Iterator[str]:
    binary = shutil.which("varnishd") or ("/usr/sbin/varnishd" if Path("/usr/sbin/varnishd").exists() else None)
    if binary is None:
        pytest.skip("varnishd is not installed (apt-get install varnish varnish-modules; `scripts/bootstrap.sh test` does it)")
    workdir = Path(tempfile.mkdtemp(prefix="masthead-varnish-"))
    backend_port = live_server.url.rsplit(":", 1)[1]
    vcl = workdir / "default.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
    port = _free_port()
    # -j none: run as this user (the jail would switch to the varnish user, who cannot read a test's temp dir).
    cmd = [binary, "-F", "-j", "none", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-s", "malloc,32m", "-T", "none"]
    cmd += ["-n", str(workdir / "n")]
    log = (workdir / "varnishd.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 (the installed varnishd, fixed arguments)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # compiling the VCL takes a few seconds on a busy machine
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"varnishd did not start: {(workdir / 'varnishd.log').read_text()[-2000:]}")
            time.sleep(0.1)
    settings.EDGE_PURGE_URLS = [url + "/"]
    yield url
    proc.terminate()
    proc.wait(timeout=15)
    log.close()
    shutil.rmtree(workdir, ignore_errors=True)


def _fetch(url: str, cookie: str = "") -> tuple[str, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return response.read().decode(), {k.lower(): v for k, v in response.headers.items()}


def _session_cookie(client: Any) -> str:
    return f"sessionid={client.cookies['sessionid'].value}"


def test_a_subscribers_page_is_never_given_to_the_next_anonymous_reader(varnish, magazine, client_for):
    url = varnish + magazine.subscriber_article.url
    subscriber = _session_cookie(client_for("subscriber"))
    for _ in range(2):
        html, headers = _fetch(url, subscriber)
        assert SECRET_MARKER in html and headers["x-edge"] == "PASS"
    html, headers = _fetch(url)
    assert SECRET_MARKER not in html and "Subscribe to keep reading" in html
    assert headers["x-edge"] == "MISS"
    html, headers = _fetch(url)
    assert SECRET_MARKER not in html and headers["x-edge"] == "HIT"
    # What readers get back carries no purge keys and no edge lifetime.
    assert "xkey" not in headers and "surrogate-control" not in headers
    # The subscriber still reads in full, past the stored teaser.
    assert SECRET_MARKER in _fetch(url, subscriber)[0]


def test_metered_and_cookie_setting_pages_are_never_stored(varnish, magazine, set_meter):
    set_meter(3)
    url = varnish + magazine.subscriber_article.url
    for _ in range(2):
        html, headers = _fetch(url)
        # Each anonymous read is metered: full text, a meter cookie, and never from the edge.
        assert SECRET_MARKER in html and headers["x-edge"] in ("MISS", "PASS")
        assert "mh_meter" in headers.get("set-cookie", "")


def test_a_publish_shows_at_the_edge_on_the_next_request_and_other_pages_stay(varnish, magazine):
    edited, other = varnish + magazine.public_article.url, varnish + magazine.subscriber_article.url
    for url in (edited, other):
        _fetch(url)
        assert _fetch(url)[1]["x-edge"] == "HIT"
    draft = magazine.public_article.get_latest_revision_as_object()
    draft.dek = "A standfirst corrected at the edge."
    draft.save_revision().publish()
    html, headers = _fetch(edited)
    assert "A standfirst corrected at the edge." in html and headers["x-edge"] == "MISS"
    assert _fetch(other)[1]["x-edge"] == "HIT"


def test_only_our_own_servers_may_purge(varnish, magazine):
    import http.client

    url = varnish + magazine.public_article.url
    _fetch(url)
    host, port = varnish.removeprefix("http://").split(":")

    def purge_from(address: str) -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(address, 0))
        connection.request("PURGE", "/", headers={"xkey-purge": "site"})
        status = connection.getresponse().status
        connection.close()
        return status

    # 127.0.0.2 is this machine too, but not in the VCL's purgers list.
    assert purge_from("127.0.0.2") == 403
    assert _fetch(url)[1]["x-edge"] == "HIT"
    assert purge_from("127.0.0.1") == 200
    assert _fetch(url)[1]["x-edge"] == "MISS"
