"""The scale-out deployment on one box (`make scale-demo`) carries the business end to end.

PostgreSQL 15, Redis, S3 (moto server), localstripe, two app servers behind nginx, Varnish in front and
an RQ worker per queue, each a real process on 127.0.0.1 (masthead/bench/scale_demo.py). Skips, naming
what is missing, when a program is not installed (`scripts/bootstrap.sh test` installs them all).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from masthead.bench import reader_flows
from masthead.bench.scale_demo import PRIVATE_BUCKET, Cluster, Service, missing_programs

pytestmark = pytest.mark.scale


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: Any) -> Iterator[Cluster]:
    missing = missing_programs()
    if missing:
        pytest.skip(f"the scale demo needs {', '.join(missing)} (scripts/bootstrap.sh test installs them)")
    # espeak: the narration worker must finish the demo's articles in seconds, not Piper's hour.
    demo = Cluster(tmp_path_factory.mktemp("scale"), narration_engine="espeak", renditions=False, quiet=True)
    demo.start()
    try:
        yield demo
    finally:
        demo.stop()


def facts(cluster: Cluster, code: str) -> Any:
    """Ask the deployment's database (through a manage.py shell with its settings); the code prints JSON."""
    return json.loads(cluster.shell(code).strip().splitlines()[-1])


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=30, **kwargs)


def a_reader(cluster: Cluster, *, subscriber: bool) -> tuple[requests.Session, str]:
    """A reader with a password (and a comp subscription if asked), signed in through the edge."""
    email = f"reader-{uuid.uuid4().hex[:10]}@example.com"
    password = "scale-demo-password-1"
    cluster.shell(
        "from masthead.members.services import create_reader\n"
        f"u = create_reader(email={email!r}); u.set_password({password!r}); u.save()\n"
        + (
            "from masthead.access.services import grant_comp\ngrant_comp(user=u, until=None, note='scale test')\n"
            if subscriber
            else ""
        )
    )
    session = requests.Session()
    reader_flows.sign_in(session, cluster.edge_url, email, password)
    return session, email


def test_a_publish_is_seen_through_both_app_servers_and_the_edge(cluster: Cluster) -> None:
    article = facts(
        cluster,
        "import json; from masthead.newsroom.models import ArticlePage\n"
        "p = ArticlePage.objects.live().filter(access='public').order_by('pk').first()\n"
        "print(json.dumps({'pk': p.pk, 'path': p.url, 'title': p.title}))",
    )
    edge = cluster.edge_url + article["path"]
    get(edge)
    stored = get(edge)
    assert stored.headers.get("X-Edge") == "HIT", "the edge keeps the anonymous article"

    headline = f"Edited on the scale demo {uuid.uuid4().hex[:8]}"
    cluster.shell(
        "from masthead.newsroom.models import ArticlePage\n"
        f"p = ArticlePage.objects.get(pk={article['pk']}); p.title = {headline!r}\n"
        "p.save_revision().publish()"
    )

    for url in (cluster.app_url(0), cluster.app_url(1), cluster.balancer_url, cluster.edge_url):
        page = get(url + article["path"])
        assert page.status_code == 200
        assert headline in page.text, f"{url} still serves the old headline"
    assert get(edge).headers.get("X-Edge") == "HIT", "the new page is kept at the edge again"


def test_a_reader_subscribes_through_localstripe_and_the_webhook_arrives(cluster: Cluster) -> None:
    session, email = a_reader(cluster, subscriber=False)
    reader_flows.subscribe(session, cluster.edge_url, cluster.stripe_url, "digital-monthly")

    deadline = time.monotonic() + 120
    delivered: dict[str, Any] = {}
    while time.monotonic() < deadline:
        delivered = facts(
            cluster,
            "import json; from masthead.billing.models import WebhookEvent, Subscription\n"
            "from masthead.access.entitlements import is_subscriber\n"
            f"s = Subscription.objects.filter(customer__user__email={email!r}).select_related('customer__user').first()\n"
            "e = list(WebhookEvent.objects.filter(processed_at__isnull=False).values_list('type', 'payload'))\n"
            "mine = sorted({t for t, p in e if s and s.stripe_id in json.dumps(p)})\n"
            "print(json.dumps({'status': s.status if s else None, 'events': mine,"
            " 'subscriber': bool(s and is_subscriber(s.customer.user))}))",
        )
        if delivered["events"]:
            break
        time.sleep(1)
    assert delivered["status"] == "active"
    assert delivered["subscriber"]
    assert delivered["events"], "localstripe delivered its webhooks through the edge and the app processed them"
    account = session.get(cluster.edge_url + "/billing/account/", timeout=30)
    assert account.status_code == 200 and "Digital, monthly" in account.text


def _ready_narration(cluster: Cluster) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        found = facts(
            cluster,
            "import json; from django.urls import reverse\n"
            "from masthead.narration.listening import narration_model\n"
            "from masthead.narration import transcripts\n"
            "n = narration_model().objects.filter(status='ready', variant='full', page__access='subscribers').exclude(audio='')"
            ".select_related('page').first()\n"
            "print(json.dumps(n and {'url': reverse('narration:file', args=[n.pk, transcripts.audio_filename(n)]),"
            " 'name': n.audio.name, 'size': n.audio.size}))",
        )
        if found:
            return dict(found)
        time.sleep(3)
    pytest.fail("the narration worker made no audio for a subscribers' article within 10 minutes")


def test_narration_is_stored_on_s3_and_played_in_ranges_by_a_subscriber_only(cluster: Cluster) -> None:
    audio = _ready_narration(cluster)
    s3 = cluster.s3()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=PRIVATE_BUCKET).get("Contents", [])]
    key = next(k for k in keys if k.endswith(audio["name"]))
    assert get(f"{cluster.s3_url}/{PRIVATE_BUCKET}/{key}").status_code == 403, "the bucket gives nothing without a signature"

    anonymous = get(cluster.edge_url + audio["url"], allow_redirects=False)
    assert anonymous.status_code == 403 and not anonymous.content.startswith(b"ID3")
    member, _ = a_reader(cluster, subscriber=False)
    assert member.get(cluster.edge_url + audio["url"], allow_redirects=False, timeout=30).status_code == 403

    subscriber, _ = a_reader(cluster, subscriber=True)
    first = subscriber.get(cluster.edge_url + audio["url"], headers={"Range": "bytes=0-1023"}, timeout=30)
    assert first.status_code == 206
    assert len(first.content) == 1024
    assert first.headers["Content-Range"] == f"bytes 0-1023/{audio['size']}"
    middle = subscriber.get(cluster.edge_url + audio["url"], headers={"Range": "bytes=2048-4095"}, timeout=30)
    stored = s3.get_object(Bucket=PRIVATE_BUCKET, Key=key, Range="bytes=2048-4095")["Body"].read()
    assert middle.status_code == 206 and middle.content == stored


def _running(pid: int) -> bool:
    # A zombie has ended; it waits only for a parent to collect it (here the
    # machine's init, which may be slow to), so only a live state counts.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in {"Z", "X"}


def test_stopping_a_service_ends_every_process_it_started(tmp_path: Path) -> None:
    """Ctrl-C must leave nothing running: a server's workers (granian's, nginx's) go with their master."""
    service = Service(
        name="parent-and-child",
        cmd=["bash", "-c", "sleep 300 & sleep 300 & wait"],
        env={"PATH": "/usr/bin:/bin"},
        log=tmp_path / "service.log",
    )
    service.start()
    deadline = time.monotonic() + 10
    while len(service.pids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = service.pids()
    assert len(pids) == 3, "bash and its two children"
    service.stop()
    assert not [pid for pid in pids if _running(pid)]
