"""The demo's mail server: aiosmtpd on loopback, every message kept in a Maildir that staff read at /admin/mailbox/.

    python -m masthead.newsletters.mailsink --port 8025 --maildir var/mailbox

scripts/run-demo.sh starts it and points Django's SMTP backend at it, so the
demo's sign-in links, receipts and newsletters land in the admin's Mailbox
instead of a terminal. It accepts any recipient and relays nothing.
"""

from __future__ import annotations

import argparse
import mailbox
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

KEEP = 2000  # the newest messages; a demo newsletter to every reader would otherwise fill the disk


class MaildirHandler:
    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(str(path), create=True)
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or envelope.content
        with self.lock:
            self.box.add(mailbox.MaildirMessage(content))
            self.count += 1
            if self.count % 200 == 0:
                self._trim()
        return "250 Message accepted for delivery"

    def _trim(self) -> None:
        keys = sorted(self.box.keys(), key=lambda k: self.box.get_file(k)._file.name)  # type: ignore[attr-defined]
        for key in keys[:-KEEP]:
            self.box.discard(key)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", required=True, type=Path)
    args = parser.parse_args(argv)
    controller = Controller(MaildirHandler(args.maildir), hostname=args.host, port=args.port, data_size_limit=10 * 2**20)
    controller.start()
    print(f"mailsink: SMTP on {args.host}:{args.port}, messages kept in {args.maildir}", flush=True)  # noqa: T201 - a command-line program's one line of output
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
