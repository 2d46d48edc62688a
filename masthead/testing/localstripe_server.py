"""localstripe on loopback: ``python -m masthead.testing.localstripe_server --port 8420 [--state-file F]``.

Upstream localstripe pickles its whole store to the fixed path
/tmp/localstripe.pickle after every write and reloads it on start, so two
processes on one machine (parallel test runs, the demo beside the tests) would
share and clobber one file. Here state lives in memory, or in the file the
caller names. No pytest import: the offline demo runs this too.
"""

from __future__ import annotations

import argparse
import pickle
import socket
from pathlib import Path


def serve(argv: list[str] | None = None) -> None:
    """Start localstripe in this process on 127.0.0.1 (upstream binds every interface).

    State stays in memory unless --state-file names where to keep it (the demo
    does, so customers and prices survive a restart of `make run`).
    """
    parser = argparse.ArgumentParser(prog="localstripe_server")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", default="", help="pickle the fake Stripe's state here (default: memory only)")
    parser.add_argument("--from-scratch", action="store_true", help="ignore an existing --state-file")
    args = parser.parse_args(argv)

    import localstripe.resources as resources

    state = Path(args.state_file) if args.state_file else None

    def dump(store: dict) -> None:
        if state is not None:
            tmp = state.with_suffix(".tmp")
            with tmp.open("wb") as f:
                pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(state)

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = lambda self: None
    if state is not None and state.exists() and not args.from_scratch:
        with state.open("rb") as f:
            dict.update(resources.store, pickle.load(f))  # noqa: S301 - our own file, written above
    from aiohttp import web
    from localstripe.server import app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    web.run_app(app, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    serve()
