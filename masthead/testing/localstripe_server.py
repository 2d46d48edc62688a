"""localstripe, in memory only: ``python -m masthead.testing.localstripe_server --port 8420``.

Upstream localstripe pickles its whole store to the fixed path
/tmp/localstripe.pickle after every write and reloads it on start, so two
processes on one machine (parallel test runs, the demo beside the tests) would
share and clobber one file. Here both are switched off. No pytest import: the
offline demo runs this too.
"""

from __future__ import annotations

import argparse
import socket


def serve(argv: list[str] | None = None) -> None:
    """Start localstripe in this process, in memory only, on 127.0.0.1 (upstream binds every interface)."""
    import localstripe.resources as resources

    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None
    from aiohttp import web
    from localstripe.server import app

    parser = argparse.ArgumentParser(prog="localstripe_server")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--from-scratch", action="store_true", help="accepted for compatibility; state is never loaded")
    args = parser.parse_args(argv)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    web.run_app(app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    serve()
