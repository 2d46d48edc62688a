"""Newsletters benchmark: one issue's newsletter to 100,000 generated readers through SMTP into a counting sink.

    python -m masthead.bench newsletters

1. A magazine with one issue (8 articles, half for subscribers), 100,000 readers (a third paying
   subscribers, the rest free members) who chose "The Issue", on SQLite.
2. Reference, same run: the sink's rate for one pre-rendered message of the subscriber copy's size,
   sent over one SMTP connection in a tight loop (the limit of this machine for that size).
3. The send: fan-out, then 2 worker processes deliver every copy through the gate (per recipient)
   into the sink; messages/s and each worker's peak RSS.
4. Crash test: a second send to as many readers (BENCH_NEWSLETTER_CRASH_RECIPIENTS to change), again with
   2 workers; one is SIGKILLed a third of the way in and started again.
   The sink must hold no Message-ID twice, and every reader missing from it must be an "unknown" row.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from masthead.bench.common import BENCH_DIR, PYTHON, ROOT, app_env, machine_facts, port_is_free

DATA = BENCH_DIR / "newsletters-data"
RECIPIENTS = int(os.environ.get("BENCH_NEWSLETTER_RECIPIENTS", "100000"))
# The crash test runs at the send's size unless told otherwise.
CRASH_RECIPIENTS = int(os.environ.get("BENCH_NEWSLETTER_CRASH_RECIPIENTS", str(RECIPIENTS)))
WORKERS = 2
REFERENCE_SECONDS = 30


# --- The sink (its own process) ------------------------------------------------------


def sink(port: int, stats: Path) -> None:
    """Count messages, bytes and Message-IDs. The counts go to `stats` every half second; the Message-IDs
    (200,000 of them by the end: too many to write twice a second without slowing the sink the send is
    measured against) to `stats`.ids on SIGUSR1 and on SIGTERM."""
    import threading
    from collections import Counter

    from aiosmtpd.controller import Controller

    ids: Counter[str] = Counter()
    totals = {"messages": 0, "bytes": 0}
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            data = envelope.original_content or envelope.content
            start = data.find(b"\nMessage-ID: ")
            message_id = data[start + 13 : data.find(b"\r", start + 13)].decode() if start >= 0 else ""
            with lock:
                totals["messages"] += 1
                totals["bytes"] += len(data)
                ids[message_id] += 1
            return "250 OK"

    def write(path: Path, value: Any) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value))
        tmp.replace(path)

    def dump(with_ids: bool) -> None:
        with lock:
            snapshot = dict(totals)
            found = dict(ids) if with_ids else None
        write(stats, snapshot)
        if found is not None:
            write(stats.with_suffix(".ids"), found)

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, data_size_limit=2**24)
    controller.start()
    stop, wanted = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: wanted.set())
    while not stop.wait(0.5):
        dump(wanted.is_set())
        wanted.clear()
    controller.stop()
    dump(True)


def reference(port: int, message: Path, seconds: float) -> None:
    """One pre-rendered message over one connection, as fast as the sink takes it; prints JSON."""
    import smtplib

    data = message.read_bytes()
    smtp = smtplib.SMTP("127.0.0.1", port)
    sent, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        smtp.sendmail("newsletters@example.com", ["reader@example.com"], data)
        sent += 1
    elapsed = time.perf_counter() - start
    smtp.quit()
    print(json.dumps({"rate": sent / elapsed, "sent": sent, "size": len(data)}))


# --- Inside Django (python -m masthead.bench.newsletters <step>) ---------------------


def _django() -> None:
    import django

    django.setup()


# Readers are made in SQL, a statement per table over a counter (a recursive CTE): 100,000 readers through
# the ORM's bulk_create spend minutes preparing values in Python; this takes seconds. The rows are what
# sign-up, checkout and the newsletter choice make: user, profile, subscription grant (every third), and a
# confirmed newsletter subscriber.


def generate_readers(count: int, *, now: Any) -> None:
    from datetime import timedelta

    from django.db import connection, transaction

    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    began = ops.adapt_datetimefield_value(now - timedelta(days=3))
    ends = ops.adapt_datetimefield_value(now + timedelta(days=30))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
            "INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) "
            "SELECT '!', NULL, %s, 'reader' || i, '', '', 'reader' || i || '@example.com', %s, %s, %s FROM n",
            [count - 1, False, False, True, stamp],
        )
        cursor.execute(
            "INSERT INTO members_profile (user_id, display_name) "
            "SELECT id, 'Reader ' || substr(username, 7) FROM auth_user WHERE username LIKE 'reader%%'",
            [],
        )
        # Every third reader (by number, from reader0) pays: an active subscription grant.
        cursor.execute(
            "INSERT INTO members_grant (user_id, kind, reference, starts_at, ends_at, includes_print, revoked_at, "
            "revoke_reason, note, created, updated) "
            "SELECT id, 'subscription', 'sub_' || id, %s, %s, %s, NULL, '', '', %s, %s FROM auth_user "
            "WHERE username LIKE 'reader%%' AND CAST(substr(username, 7) AS INTEGER) %% 3 = 0",
            [began, ends, False, stamp, stamp],
        )
        cursor.execute(
            "INSERT INTO newsletters_subscriber (email, user_id, confirmed_at, created) "
            "SELECT email, id, %s, %s FROM auth_user WHERE username LIKE 'reader%%' ORDER BY id",
            [stamp, stamp],
        )


def subscribe_first(newsletter_id: int, count: int, *, now: Any) -> None:
    """The first `count` subscribers chose this newsletter."""
    from django.db import connection, transaction

    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO newsletters_subscription (subscriber_id, newsletter_id, status, source, created, updated) "
            "SELECT id, %s, 'active', 'bench', %s, %s FROM newsletters_subscriber ORDER BY id LIMIT %s",
            [newsletter_id, stamp, stamp, count],
        )


def build(recipients: int) -> None:
    """The magazine, the readers, "The Issue" and its send (prepared); prints JSON."""
    from datetime import date

    _django()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from masthead.newsletters import rendering, sending
    from masthead.newsletters.models import Newsletter, Send, SendKind, SendStatus, Subscriber
    from masthead.newsletters.transport import Recipient, Transport
    from masthead.testing import builders

    home = builders.ensure_home()
    sections = [builders.ensure_section(home, title) for title in builders.SECTIONS]
    author = builders.ensure_author(home, "Angeline Tan", role="Correspondent")
    words = (
        "The delegation met for a third day as negotiators weighed what the ceasefire terms "
        "would mean for trade, sanctions and the grain corridor."
    )
    articles = []
    for n in range(8):
        paragraphs = [f"{words} Paragraph {p} of article {n}." for p in range(14)]
        articles.append(
            builders.make_article(
                sections[n % len(sections)],
                f"Article {n}: what the talks mean",
                authors=[author],
                dek="A standfirst of two lines that says what the article is about and why it matters now.",
                paragraphs=paragraphs,
                access="subscribers" if n % 2 else "public",
                preview_after=3 if n % 2 else None,
                hero_image=builders.make_image(f"Photo {n}"),
                hero_caption="A caption under the photo",
            )
        )
    issue = builders.make_issue(
        builders.ensure_issue_index(home), volume=41, number=1, cover_date=date(2025, 1, 6), articles=articles
    )
    now = timezone.now()
    start = time.perf_counter()
    generate_readers(recipients, now=now)
    # reader0 pays, reader1 does not: the two copies whose sizes are reported.
    users = [get_user_model().objects.get(username=name) for name in ("reader0", "reader1")]
    subscribers = [Subscriber.objects.get(user=user) for user in users]
    newsletters = {}
    for slug, name, count in (("the-issue", "The Issue", recipients), ("crash-test", "Crash test", CRASH_RECIPIENTS)):
        newsletter = Newsletter.objects.create(
            name=name, slug=slug, sender_name="The Masthead Review", sender_email="newsletters@mag.example.com"
        )
        subscribe_first(newsletter.pk, min(count, recipients), now=now)
        newsletters[slug] = newsletter
    readers_s = time.perf_counter() - start
    sends = {}
    fanout = {}
    for slug, newsletter in newsletters.items():
        send = Send.objects.create(
            newsletter=newsletter, kind=SendKind.ISSUE, issue=issue, subject=issue.title, status=SendStatus.SENDING
        )
        start = time.perf_counter()
        sending.prepare(send_id=send.pk)
        fanout[slug] = time.perf_counter() - start
        sends[slug] = send.pk
    send = Send.objects.get(pk=sends["the-issue"])
    sizes = {}
    with Transport(send.newsletter) as transport:
        for label, user in (("subscriber", users[0]), ("free member", users[1])):
            rendered = rendering.render(send, user)
            # Delivery id 0: no real row, so the reference copies never count as a reader's message.
            data = transport.raw_message(Recipient(0, send.pk, subscribers[0].pk, user.email), rendered)
            sizes[label] = {"message": len(data), "html": len(rendered.html.encode())}
            if label == "subscriber":
                (DATA / "reference.eml").write_bytes(data)
    print(json.dumps({"sends": sends, "sizes": sizes, "fanout_s": fanout, "readers_s": readers_s}))


def worker(send_id: int) -> None:
    """Deliver a send in this process; prints JSON with the counts and this process's peak RSS."""
    import resource

    _django()
    from masthead.newsletters import delivery

    start = time.perf_counter()
    progress = delivery.deliver(send_id)
    print(
        json.dumps(
            {
                "sent": progress.sent,
                "unknown": progress.unknown,
                "failed": progress.failed,
                "seconds": time.perf_counter() - start,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def audit(send_id: int, stats: Path) -> None:
    """The crash test's verdict: Message-IDs in the sink against the send's rows; prints JSON."""
    _django()
    from masthead.newsletters.models import Delivery

    seen = json.loads(stats.with_suffix(".ids").read_text())
    rows = {row.message_id: row.status for row in Delivery.objects.filter(send_id=send_id).only("pk", "send_id", "status")}
    received = {mid: n for mid, n in seen.items() if mid in rows}
    missing = [mid for mid in rows if mid not in received]
    print(
        json.dumps(
            {
                "rows": len(rows),
                "received": len(received),
                "twice": sum(1 for n in received.values() if n > 1),
                "missing": len(missing),
                "missing_not_unknown": sum(1 for mid in missing if rows[mid] != "unknown"),
                "unknown": sum(1 for s in rows.values() if s == "unknown"),
            }
        )
    )


# --- The run ---------------------------------------------------------------------------


def _json(cmd: list[str], env: dict[str, str], timeout: float = 3600) -> Any:
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _step(step: str, *args: object) -> list[str]:
    return [PYTHON, "-m", "masthead.bench.newsletters", step, *map(str, args)]


def _sink_ids(sink_proc: subprocess.Popen[bytes], stats: Path) -> None:
    """Have the sink write its Message-IDs (for an audit) and wait until it has."""
    ids = stats.with_suffix(".ids")
    ids.unlink(missing_ok=True)
    sink_proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not ids.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the sink did not write its Message-IDs")
        time.sleep(0.1)


def _sink_count(stats: Path) -> int:
    try:
        return int(json.loads(stats.read_text())["messages"])
    except (OSError, ValueError, KeyError):
        return 0


def _log(message: str) -> None:
    print(f"bench newsletters {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


def _sink_port() -> int:
    for _ in range(50):
        port = random.randint(20000, 29999)
        if port_is_free(port):
            return port
    raise RuntimeError("no free port in 20000-29999 for the sink")


def run() -> str:
    sink_port = _sink_port()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = app_env(
        DATA,
        SITE_URL="https://mag.example.com",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(sink_port),
        NEWSLETTER_BATCH_SIZE="100",
        PYTHONPATH=str(ROOT),
    )
    facts = machine_facts()
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    start = time.perf_counter()
    _log(f"building {RECIPIENTS:,} readers")
    built = _json(_step("build", RECIPIENTS), env)
    build_s = time.perf_counter() - start
    _log(f"built in {build_s:.0f} s: {built}")
    stats = DATA / "sink.json"
    sink_proc = subprocess.Popen(_step("sink", sink_port, stats), cwd=ROOT, env=env, start_new_session=True)
    try:
        time.sleep(1.5)
        ref = _json(_step("reference", sink_port, DATA / "reference.eml", REFERENCE_SECONDS), env)
        _log(f"reference: {ref}")
        before = _sink_count(stats)
        # The send: two workers in parallel, as NEWSLETTER_JOBS=2 would run them.
        send_id = built["sends"]["the-issue"]
        start = time.perf_counter()
        workers = [
            subprocess.Popen(_step("worker", send_id), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(WORKERS)
        ]
        results = []
        for proc in workers:
            out, _ = proc.communicate(timeout=7200)
            results.append(json.loads(out.strip().splitlines()[-1]))
        wall = time.perf_counter() - start
        time.sleep(1.0)
        delivered = _sink_count(stats) - before
        _sink_ids(sink_proc, stats)
        main = _json(_step("audit", send_id, stats), env)
        _log(f"the send: {wall:.0f} s, workers {results}, audit {main}")

        # Crash test: two workers again; one is killed a third of the way in and started again.
        _log(f"crash test: {CRASH_RECIPIENTS:,} readers")
        crash_id = built["sends"]["crash-test"]
        before = _sink_count(stats)
        victim, survivor = (
            subprocess.Popen(_step("worker", crash_id), cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
        )
        deadline = time.monotonic() + 7200
        while _sink_count(stats) - before < CRASH_RECIPIENTS // 3 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        killed_at = _sink_count(stats) - before
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        _log(f"killed one worker at {killed_at:,} messages; starting it again")
        restarted = _json(_step("worker", crash_id), env, timeout=7200)
        survivor_out, _ = survivor.communicate(timeout=7200)
        survived = json.loads(survivor_out.strip().splitlines()[-1])
        time.sleep(1.0)
        _sink_ids(sink_proc, stats)
        crash = _json(_step("audit", crash_id, stats), env)
        _log(f"crash test audit: {crash}")
    finally:
        sink_proc.send_signal(signal.SIGTERM)
        sink_proc.wait(timeout=30)

    rate = main["received"] / wall
    peaks = " / ".join(f"{r['peak_rss_mib']:.0f} MiB" for r in results)
    size = built["sizes"]
    lines = [
        f"## Newsletters: one issue to {RECIPIENTS:,} readers through SMTP",
        "",
        facts,
        "",
        f'{RECIPIENTS:,} generated readers (every third a paying subscriber, the rest free members) chose "The Issue"; '
        f"the issue has 8 articles with photos, 4 of them for subscribers. DEBUG=0, SQLite, batches of 100. "
        f"The sink is aiosmtpd on loopback, counting messages and Message-IDs (`masthead/bench/newsletters.py`). "
        f"Building the data took {build_s:.0f} s (the readers, in SQL: {built['readers_s']:.1f} s; the rest is the issue's "
        f"pages and photos through Wagtail); the fan-out (freezing the recipients) {built['fanout_s']['the-issue']:.1f} s.",
        "",
        "| what | messages | seconds | messages/s | vs reference | peak RSS per process |",
        "|---|---:|---:|---:|---:|---|",
        f"| reference: one pre-rendered {ref['size'] / 1000:.1f} kB message, one connection, tight loop | {ref['sent']:,} | "
        f"{REFERENCE_SECONDS} | {ref['rate']:,.0f} | 100% | |",
        f"| the send: {WORKERS} workers, per-recipient gate and links | {main['received']:,} | {wall:.1f} | {rate:,.0f} | "
        f"{100 * rate / ref['rate']:.0f}% | {peaks} |",
        "",
        f"Message size: subscriber copy {size['subscriber']['message'] / 1000:.1f} kB "
        f"(HTML {size['subscriber']['html'] / 1000:.1f} kB), "
        f"free member's copy {size['free member']['message'] / 1000:.1f} kB (HTML {size['free member']['html'] / 1000:.1f} kB); "
        f"Gmail clips HTML beyond about 102 kB. Sink: {delivered:,} messages arrived, {main['twice']} Message-IDs twice, "
        f"{main['missing']} readers missing.",
        "",
        f"Target: at least 50% of the reference with 2 workers: {'met' if rate >= 0.5 * ref['rate'] else 'NOT met'} "
        f"({100 * rate / ref['rate']:.0f}%).",
        "",
        f"Crash test: one of two workers sending to {crash['rows']:,} readers was SIGKILLed after the sink had "
        f"{killed_at:,} of the send's messages, "
        f"then started again (it sent {restarted['sent']:,} more; the other worker {survived['sent']:,} in all). "
        f"The sink holds {crash['received']:,} of them, "
        f"{crash['twice']} Message-IDs twice; {crash['missing']} readers are missing, all of them among the "
        f'{crash["unknown"]} rows marked "unknown" ({crash["missing_not_unknown"]} missing rows not marked). '
        f"At most one batch (100) can be in flight.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    step, *rest = sys.argv[1:]
    if step == "sink":
        sink(int(rest[0]), Path(rest[1]))
    elif step == "reference":
        reference(int(rest[0]), Path(rest[1]), float(rest[2]))
    elif step == "build":
        build(int(rest[0]))
    elif step == "worker":
        worker(int(rest[0]))
    elif step == "audit":
        audit(int(rest[0]), Path(rest[1]))
    else:
        sys.exit(f"unknown step {step!r}")
