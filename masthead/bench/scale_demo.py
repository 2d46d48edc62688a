"""Many machines on one box: the scale-out deployment on 127.0.0.1, for the demo, its test and the load test.

    python -m masthead.bench.scale_demo [--var var/scale] [--app-servers 2] [--web-workers 1]

starts, each from here and each stopped on Ctrl-C (SIGINT/SIGTERM):

- PostgreSQL 15: a throwaway cluster (initdb as the postgres user when run as root), removed on exit;
- Redis (cache, sessions, RQ), no persistence;
- moto in server mode as the S3 endpoint: a public media bucket and a private bucket (django-storages);
- localstripe (payments), with the webhook URL registered to the edge; an SMTP sink for the mail;
- the app: `migrate`, `collectstatic`, the demo magazine, then two app servers (scripts/serve.sh: granian),
  an RQ worker per queue of settings.TASK_QUEUES (`manage.py rqworker <queue>`);
- nginx as the load balancer in front of the app servers, serving the collected static files itself;
- Varnish (deploy/varnish/default.vcl, xkey) in front of nginx: the address readers use.

Every port is picked at random in 20000–29999 and every process binds 127.0.0.1. The test
(`masthead/core/tests/test_many_machines_on_one_box.py`) and the load test (`masthead/bench/load.py`)
use `Cluster` directly; its processes are stopped by their own process groups, never by name.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
S3_ACCESS_KEY = "masthead-scale-demo"
S3_SECRET_KEY = "masthead-scale-demo-secret"  # noqa: S105 - moto's throwaway store on loopback
S3_REGION = "us-east-1"
MEDIA_BUCKET = "masthead-media"
PRIVATE_BUCKET = "masthead-private"
STRIPE_SECRET = "sk_test_masthead_scale_demo"  # noqa: S105 - localstripe accepts any key
STRIPE_PUBLISHABLE = "pk_test_masthead_scale_demo"
STRIPE_WEBHOOK_SECRET = "whsec_masthead_scale_demo"  # noqa: S105
# Only these of the caller's variables reach the app: a test runner's DEBUG=1 or
# TASKS_IMMEDIATE=1 must not turn the deployment into something else.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "USER", "LOGNAME", "TZ", "PYTHONDONTWRITEBYTECODE")


class Missing(RuntimeError):
    """A program the scale demo needs is not installed (`scripts/bootstrap.sh test` installs them all)."""


def missing_programs() -> list[str]:
    """What is not installed, as a reader would apt-get it; empty when the scale demo can start."""
    missing = []
    for binary, package in (
        ("redis-server", "redis-server"),
        ("nginx", "nginx-light"),
        ("varnishd", "varnish"),
    ):
        if shutil.which(binary) is None and not Path("/usr/sbin", binary).exists():
            missing.append(package)
    if (
        not list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so"))
        and not Path("/usr/lib/varnish/vmods/libvmod_xkey.so").exists()
    ):
        missing.append("varnish-modules")
    if pg_bin() is None:
        missing.append("postgresql-15")
    for module, package in (("moto", "moto[server]"), ("flask", "moto[server]"), ("boto3", "boto3")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if not VCL.exists():
        missing.append(str(VCL.relative_to(ROOT)))
    return sorted(set(missing))


def pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(taken: set[int]) -> int:
    for _ in range(500):
        port = random.randint(20000, 29999)
        if port not in taken and port_is_free(port):
            taken.add(port)
            return port
    raise RuntimeError("no free port in 20000-29999")


def wait_for_port(port: int, *, proc: subprocess.Popen[bytes] | None, name: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before listening on {port}; see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f} s; see {log}")


def wait_for_http(url: str, *, timeout: float = 180, name: str = "", log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback, our own servers
                answer.read()
                return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{name or url} did not answer {url} within {timeout:.0f} s ({last}){f'; see {log}' if log else ''}")


def group_pids(pgid: int) -> list[int]:
    """Every live process in a process group (a server's master and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name, which may itself hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return sorted(pids)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Service:
    """One process group we started, with what it takes to start it again (the fault checks restart some)."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    # Signal that stops it promptly: PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client).
    stop_signal: int = signal.SIGTERM
    cwd: Path = ROOT
    proc: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = True, timeout: float = 120) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n--- {time.strftime('%H:%M:%S')} starting: {' '.join(self.cmd)}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(  # noqa: S603 - our own programs, fixed arguments
                self.cmd, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        if wait and self.port is not None:
            wait_for_port(self.port, proc=self.proc, name=self.name, log=self.log, timeout=timeout)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> list[int]:
        return group_pids(self.proc.pid) if self.alive and self.proc is not None else []

    def signal(self, signum: int) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.signal(self.stop_signal)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Workers a master left behind (granian's, nginx's) share its group.
        deadline = time.monotonic() + timeout
        while group_pids(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if group_pids(self.proc.pid):
            self.signal(signal.SIGKILL)


@dataclass
class Cluster:
    """The whole deployment. `start()` builds and starts it; `stop()` ends every process it started."""

    var: Path
    app_servers: int = 2
    web_workers: int = 1
    # None: settings' default (Piper). Tests and the load test pass "espeak": Piper would narrate the
    # demo's 36 articles for an hour on two cores, and that CPU would be measured as the site's.
    narration_engine: str | None = None
    quiet: bool = False
    # Drawing the demo's image sizes ahead of the first visit takes minutes on a busy machine; the test skips it.
    renditions: bool = True
    services: dict[str, Service] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    pg_data: Path | None = None
    admin_password: str = ""
    _taken: set[int] = field(default_factory=set)

    # --- addresses --------------------------------------------------------------------------

    @property
    def edge_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['varnish']}"

    @property
    def balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['nginx']}"

    def app_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[f'app{index + 1}']}"

    @property
    def s3_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def stripe_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['localstripe']}"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports['postgres']}/masthead"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    # --- environment ------------------------------------------------------------------------

    def app_env(self) -> dict[str, str]:
        """What every app process (web, worker, manage.py) is started with: docs/configuration.md's variables."""
        env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        env.update(
            DEBUG="0",
            PYTHONUNBUFFERED="1",
            DJANGO_SETTINGS_MODULE="masthead.settings",
            MASTHEAD_VAR_DIR=str(self.var / "app"),
            SECRET_KEY_FILE=str(self.var / "secret_key"),
            SITE_URL=self.edge_url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            # Varnish and nginx add X-Forwarded-For; the meter and throttles must see readers, not them.
            BEHIND_PROXY="1",
            TRUSTED_PROXIES="127.0.0.1",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            S3_BUCKET=MEDIA_BUCKET,
            PRIVATE_S3_BUCKET=PRIVATE_BUCKET,
            S3_ENDPOINT_URL=self.s3_url,
            S3_REGION=S3_REGION,
            S3_ACCESS_KEY_ID=S3_ACCESS_KEY,
            S3_SECRET_ACCESS_KEY=S3_SECRET_KEY,
            SERVE_MEDIA="0",
            STATIC_ROOT=str(self.var / "static"),
            EDGE_PURGE_URLS=self.edge_url + "/",
            STRIPE_API_BASE=self.stripe_url,
            STRIPE_SECRET_KEY=STRIPE_SECRET,
            STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
            STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.ports["smtp"]),
            MAILBOX_DIR=str(self.var / "mailbox"),
            # One core each for the web: the narration worker must not take both.
            NARRATION_THREADS="1",
        )
        if self.narration_engine:
            env["NARRATION_ENGINE"] = self.narration_engine
        return env

    def manage(self, *args: str, timeout: float = 1800, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`manage.py <args>` against the running deployment."""
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.app_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, code: str, *, timeout: float = 600) -> str:
        """Run Python in a Django shell of the deployment and return what it printed."""
        return self.manage("shell", "-v0", "-c", code, timeout=timeout).stdout

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"scale-demo: {text}", flush=True)  # noqa: T201 - the command's progress

    # --- starting ---------------------------------------------------------------------------

    def _service(
        self,
        name: str,
        cmd: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        port: bool = True,
        stop_signal: int = signal.SIGTERM,
    ) -> Service:
        service = Service(
            name=name,
            cmd=list(cmd),
            env=env if env is not None else self.app_env(),
            log=self.var / "logs" / f"{name}.log",
            port=self.ports.get(name) if port else None,
            stop_signal=stop_signal,
        )
        self.services[name] = service
        return service

    def start(self) -> None:
        missing = missing_programs()
        if missing:
            raise Missing(f"not installed: {', '.join(missing)} (scripts/bootstrap.sh test installs them)")
        self.var = self.var.resolve()
        self.var.mkdir(parents=True, exist_ok=True)
        (self.var / "logs").mkdir(exist_ok=True)
        names = ["postgres", "redis", "s3", "localstripe", "smtp", "nginx", "varnish"]
        names += [f"app{i + 1}" for i in range(self.app_servers)]
        for name in names:
            self.ports[name] = pick_port(self._taken)
        secret = self.var / "secret_key"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(50))
            secret.chmod(0o600)
        try:
            started = time.monotonic()
            self._start_backing_services()
            self._build_site()
            self._start_app()
            self._start_front()
            self.say(f"ready in {time.monotonic() - started:.0f} s")
        except BaseException:
            self.stop()
            raise

    def _start_backing_services(self) -> None:
        self.say(f"PostgreSQL, Redis, S3 (moto), localstripe and the mail sink; logs in {self.var / 'logs'}")
        self._start_postgres()
        self._service(
            "redis",
            ["redis-server", "--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.var), "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
            env=self.app_env(),
        ).start()  # fmt: skip
        self._service("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.ports["s3"])]).start()
        self._make_buckets()
        self._service(
            "localstripe",
            [PYTHON, "-m", "masthead.testing.localstripe_server", "--port", str(self.ports["localstripe"]), "--from-scratch"],
        ).start()
        self._service(
            "smtp",
            [
                PYTHON,
                "-m",
                "masthead.newsletters.mailsink",
                "--port",
                str(self.ports["smtp"]),
                "--maildir",
                str(self.var / "mailbox"),
            ],
        ).start()

    def _start_postgres(self) -> None:
        bin_dir = pg_bin()
        assert bin_dir is not None
        self.pg_data = Path(tempfile.mkdtemp(prefix="masthead-scale-pg-"))
        as_postgres: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses root: the throwaway cluster belongs to the postgres user.
            shutil.chown(self.pg_data, "postgres")
            as_postgres = ["runuser", "-u", "postgres", "--"]
        subprocess.run(  # noqa: S603 - PostgreSQL's own initdb
            [
                *as_postgres,
                str(bin_dir / "initdb"),
                "-D",
                str(self.pg_data / "db"),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
        )
        port = str(self.ports["postgres"])
        self._service(
            "postgres",
            [*as_postgres, str(bin_dir / "postgres"), "-D", str(self.pg_data / "db"), "-h", "127.0.0.1", "-p", port,
             "-k", str(self.pg_data), "-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off"],
            env=self.app_env(),
            stop_signal=signal.SIGINT,
        ).start()  # fmt: skip
        for _ in range(150):
            made = subprocess.run(  # noqa: S603
                [*as_postgres, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "masthead"],
                capture_output=True,
                check=False,
            )
            if made.returncode == 0:
                return
            time.sleep(0.2)  # it accepts connections a moment after it listens
        raise RuntimeError(f"createdb failed: {made.stderr.decode()}")

    def s3(self) -> Any:
        """A boto3 client of the demo's S3 (boto3 has no type information, hence the import by name)."""
        boto3 = importlib.import_module("boto3")
        return boto3.client(
            "s3",
            endpoint_url=self.s3_url,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
            region_name=S3_REGION,
        )

    def _make_buckets(self) -> None:
        client = self.s3()
        client.create_bucket(Bucket=MEDIA_BUCKET)
        client.create_bucket(Bucket=PRIVATE_BUCKET)
        # Public uploads are public as on a real deployment's media bucket; the private bucket has no policy at
        # all (its objects are written with a private ACL and leave only through signed URLs).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{MEDIA_BUCKET}/*"}
            ],
        }
        client.put_bucket_policy(Bucket=MEDIA_BUCKET, Policy=json.dumps(policy))

    def _build_site(self) -> None:
        self.say("migrate, collectstatic and the demo magazine (a few minutes the first time on a busy machine)")
        began = time.monotonic()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.say(f"migrated and collected static files in {time.monotonic() - began:.0f} s")
        made = self.manage("setup_demo", *([] if self.renditions else ["--no-renditions"])).stdout
        for line in made.splitlines():
            if "password:" in line:
                self.admin_password = line.split("password:", 1)[1].split()[0]
        self.manage("setup_house_ads")
        self.manage("setup_newsletter_demo")
        self.manage("setup_billing_demo", "--webhook-url", self.edge_url + "/billing/webhooks/stripe/")

    def task_queues(self) -> list[str]:
        out = self.shell("from django.conf import settings; print(','.join(settings.TASK_QUEUES))")
        return [q for q in out.strip().split(",") if q]

    def _start_app(self) -> None:
        queues = self.task_queues()
        self.say(f"{self.app_servers} app servers and RQ workers for {', '.join(queues)}")
        for queue in queues:
            # SimpleWorker runs jobs in the worker itself: RQ's default forks a child per job that imports the
            # job's code afresh (the narration voice, ~30 s to load, every job) and that leaves its process
            # group (setsid), so stopping the worker could leave it running.
            self._service(
                f"worker-{queue}",
                [PYTHON, "manage.py", "rqworker", "--worker-class", "rq.worker.SimpleWorker", queue],
                port=False,
            ).start()
        for i in range(self.app_servers):
            name = f"app{i + 1}"
            env = self.app_env() | {
                "HOST": "127.0.0.1",
                "PORT": str(self.ports[name]),
                "WEB_WORKERS": str(self.web_workers),
                "SERVE_MIGRATE": "0",
                "SERVE_COLLECTSTATIC": "0",
                "GRANIAN_WORKERS_KILL_TIMEOUT": "5",
                "GRANIAN_LOG_ACCESS_ENABLED": "0",
                "PYTHON": PYTHON,
            }
            self._service(name, ["scripts/serve.sh"], env=env).start(wait=False)
        for i in range(self.app_servers):
            wait_for_http(self.app_url(i) + "/healthz", name=f"app{i + 1}", log=self.services[f"app{i + 1}"].log)

    def _start_front(self) -> None:
        self.say("nginx (load balancer, static files) and Varnish (the edge)")
        conf = self.var / "nginx"
        shutil.rmtree(conf, ignore_errors=True)
        (conf / "tmp").mkdir(parents=True)
        (conf / "nginx.conf").write_text(self.nginx_conf())
        nginx = self._service(
            "nginx",
            ["nginx", "-p", str(conf), "-c", str(conf / "nginx.conf"), "-e", str(self.var / "logs" / "nginx-error.log")],
            env=self.app_env(),
            stop_signal=signal.SIGQUIT,  # graceful: finish what is in flight
        )
        nginx.start()
        wait_for_http(self.balancer_url + "/healthz", name="nginx", log=nginx.log)
        work = self.var / "varnish"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        vcl = work / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{self.ports["nginx"]}";'))
        binary = shutil.which("varnishd") or "/usr/sbin/varnishd"
        # -j none: stay this user (the jail would switch to the varnish user, who may not read this checkout).
        # timeout_idle 65 s (default 5 s): a reader's browser keeps its connection longer than 5 s between
        # clicks, and a request sent as Varnish closes the idle connection fails (the load test's
        # RemoteDisconnected errors). Longer than the clients' idle time, shorter than nginx's 75 s.
        varnish = self._service(
            "varnish",
            [binary, "-F", "-j", "none", "-a", f"127.0.0.1:{self.ports['varnish']}", "-f", str(vcl), "-n", str(work / "n"),
             "-T", "none", "-s", "malloc,256m", "-p", "thread_pool_min=50", "-p", "timeout_idle=65"],
            env=self.app_env(),
        )  # fmt: skip
        varnish.start(timeout=180)
        wait_for_http(self.edge_url + "/healthz", name="varnish", log=varnish.log)

    def nginx_conf(self) -> str:
        upstreams = "\n".join(
            f"    server 127.0.0.1:{self.ports[f'app{i + 1}']} max_fails=1 fail_timeout=5s;" for i in range(self.app_servers)
        )
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read a root-owned checkout
        conf = self.var / "nginx"
        kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        temp = "\n".join(f"  {kind}_temp_path {conf}/tmp;" for kind in kinds)  # noqa: S108 - our own directory
        return f"""# Generated by masthead/bench/scale_demo.py: the load balancer of the scale demo.
# The production version, with TLS, is deploy/nginx/masthead.conf (docs/deploy.md).
{user}
worker_processes 2;
daemon off;
pid {conf}/nginx.pid;
events {{ worker_connections 2048; }}
http {{
  include /etc/nginx/mime.types;
  access_log {self.var}/logs/nginx-access.log;
  sendfile on;
  keepalive_requests 100000;
{temp}
  upstream masthead {{
{upstreams}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{self.ports["nginx"]};
    client_max_body_size 50m;
    location /static/ {{
      alias {self.var}/static/;
      add_header Cache-Control "public, max-age=31536000, immutable";
      access_log off;
    }}
    location / {{
      proxy_pass http://masthead;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # A server that refuses connections or answers 502 is skipped for the next request; requests that
      # are not idempotent (POST) are never sent twice. Not http_503: the app answers 503 "try again" when
      # Redis is down, and counting that as a dead server marked both down at once (measured: 721 502s).
      proxy_next_upstream error timeout http_502;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }}
  }}
}}
"""

    # --- running and stopping ---------------------------------------------------------------

    def processes(self) -> Iterator[tuple[str, int]]:
        """(service, pid) for every live process of the deployment, for memory sampling."""
        for name, service in self.services.items():
            for pid in service.pids():
                yield name, pid

    def restart(self, name: str) -> None:
        service = self.services[name]
        service.stop()
        service.start()

    def stop(self) -> None:
        # The reverse of the start: the edge first, the stores last, so nothing is left talking to one that is gone.
        for name in reversed(list(self.services)):
            self.services[name].stop()
        if self.pg_data is not None:
            shutil.rmtree(self.pg_data, ignore_errors=True)
            self.pg_data = None

    def failed(self) -> list[str]:
        return [name for name, service in self.services.items() if not service.alive]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m masthead.bench.scale_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--var", default=str(ROOT / "var" / "scale"), help="logs, static files, secret key (default var/scale)")
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=1, help="granian workers per app server")
    parser.add_argument("--narration-engine", choices=["piper", "espeak"], default=None)
    args = parser.parse_args(argv)
    cluster = Cluster(
        Path(args.var), app_servers=args.app_servers, web_workers=args.web_workers, narration_engine=args.narration_engine
    )

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        cluster.start()
        apps = ", ".join(cluster.app_url(i) for i in range(args.app_servers))
        print(  # noqa: T201
            f"scale-demo: the magazine is at {cluster.edge_url}/ (Varnish) → {cluster.balancer_url} (nginx) → {apps} (granian)\n"
            f"  admin: {cluster.edge_url}/admin/ (username admin"
            f"{', password ' + cluster.admin_password if cluster.admin_password else ', password as set before'})\n"
            f"  PostgreSQL {cluster.database_url}, Redis {cluster.redis_url}, S3 (moto) {cluster.s3_url}, "
            f"localstripe {cluster.stripe_url}\n"
            f"  logs: {cluster.var / 'logs'}. Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            time.sleep(2)
            gone = cluster.failed()
            if gone:
                print(f"scale-demo: {', '.join(gone)} stopped; stopping the rest (see {cluster.var / 'logs'})", flush=True)  # noqa: T201
                return 1
    except KeyboardInterrupt:
        print("scale-demo: stopping", flush=True)  # noqa: T201
        return 0
    except Missing as exc:
        print(f"scale-demo: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
