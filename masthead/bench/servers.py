"""Throwaway servers for benchmarks: PostgreSQL 15, Redis, Varnish, nginx — all on 127.0.0.1,
each on a free port picked at random in 20000–29999, each stopped by its own process group."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from masthead.bench.common import BENCH_DIR, ROOT, Server, port_is_free, start, wait_for_http

VCL = ROOT / "deploy" / "varnish" / "default.vcl"


def pick_port() -> int:
    for _ in range(200):
        port = random.randint(20000, 29999)
        if port_is_free(port):
            return port
    raise RuntimeError("no free port in 20000-29999")


def wait_for_port(server: Server, port: int, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{server.name} did not start on port {port}; see {server.log}")


def redis() -> tuple[Server, str]:
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed: run `scripts/bootstrap.sh bench`")
    port = pick_port()
    workdir = BENCH_DIR / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)]
    server = start("redis", cmd, env=dict(os.environ))
    wait_for_port(server, port)
    return server, f"redis://127.0.0.1:{port}/0"


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql-15)")
    return found[-1].parent


def postgres() -> tuple[Server, str, Path]:
    """A fresh cluster as scripts/test-postgres.sh makes one; returns (server, DATABASE_URL, data dir)."""
    bin_dir = _pg_bin()
    data = Path(tempfile.mkdtemp(prefix="masthead-bench-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses root: the cluster belongs to the postgres user.
        shutil.chown(data, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_postgres, str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = pick_port()
    cmd = [*as_postgres, str(bin_dir / "postgres"), "-D", str(data / "db"), "-h", "127.0.0.1", "-p", str(port), "-k", str(data)]
    server = start("postgres", cmd, env=dict(os.environ))
    wait_for_port(server, port)
    for _ in range(100):
        made = subprocess.run(
            [*as_postgres, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "masthead"],
            capture_output=True,
            check=False,
        )
        if made.returncode == 0:
            break
        time.sleep(0.2)  # accepting connections a moment after it listens
    else:
        server.stop()
        raise RuntimeError(f"createdb failed: {made.stderr.decode()}")
    return server, f"postgres://postgres@127.0.0.1:{port}/masthead", data


# Varnish writes every request, header by header, to its shared-memory log (what varnishlog and varnishncsa
# read): its access log. The nginx reference runs with `access_log off`; this mask is the same choice for Varnish.
NO_REQUEST_LOG = (
    "-VCL_call,-VCL_return,-ReqHeader,-RespHeader,-ReqUnset,-RespUnset,-Timestamp,-ReqAcct,-ReqStart,-ReqMethod,"
    "-ReqURL,-ReqProtocol,-RespProtocol,-RespStatus,-RespReason,-Hit,-Link,-Storage,-VCL_Log,-Debug"
)


def varnish(backend_port: int, *, request_log: bool = True) -> tuple[Server, int]:
    binary = shutil.which("varnishd") or "/usr/sbin/varnishd"
    if not Path(binary).exists():
        raise RuntimeError("varnishd is not installed: run `scripts/bootstrap.sh bench` (varnish, varnish-modules)")
    workdir = BENCH_DIR / "varnish"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    vcl = workdir / "default.vcl"
    vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{backend_port}";'))
    port = pick_port()
    # -j none: stay this user (the jail would switch to the varnish user, who may not read this checkout).
    cmd = [binary, "-F", "-j", "none", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(workdir / "n"), "-T", "none"]
    cmd += ["-s", "malloc,256m", "-p", "thread_pool_min=50"]
    if not request_log:
        cmd += ["-p", f"vsl_mask={NO_REQUEST_LOG}"]
    server = start("varnish", cmd, env=dict(os.environ))
    wait_for_port(server, port, timeout=120)
    return server, port


def nginx(html: bytes, path: str) -> tuple[Server, int]:
    """nginx (2 workers) serving `html` as a static file at `path`."""
    conf_dir = BENCH_DIR / "nginx"
    shutil.rmtree(conf_dir, ignore_errors=True)
    target = conf_dir / "html" / path.strip("/") / "index.html"
    target.parent.mkdir(parents=True)
    target.write_bytes(html)
    # Browsers ask for gzip, and the app and the edge answer them with the page gzipped once when stored:
    # nginx serves the same HTML gzipped ahead of time (gzip_static), so every row sends the same kind of bytes.
    target.with_name("index.html.gz").write_bytes(gzip.compress(html, compresslevel=6, mtime=0))
    port = pick_port()
    user = "user root;" if os.geteuid() == 0 else ""  # workers must read a root-owned checkout
    (conf_dir / "nginx.conf").write_text(
        f"""{user}
worker_processes 2;
daemon off;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  gzip_static on;
  tcp_nopush on;
  keepalive_requests 100000;
  types {{ text/html html; }}
  default_type text/html;
  client_body_temp_path {conf_dir}/tmp;
  proxy_temp_path {conf_dir}/tmp;
  fastcgi_temp_path {conf_dir}/tmp;
  uwsgi_temp_path {conf_dir}/tmp;
  scgi_temp_path {conf_dir}/tmp;
  server {{
    listen 127.0.0.1:{port};
    root {conf_dir}/html;
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""
    )
    (conf_dir / "tmp").mkdir()
    cmd = ["nginx", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-e", str(conf_dir / "error.log")]
    server = start("nginx", cmd, env=dict(os.environ))
    wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=20, proc=server.proc)
    return server, port
