"""The demo mailbox in the admin: what the local mail server received (MAILBOX_DIR), staff only."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

SHOWN_HEADERS = ("From", "To", "Reply-To", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post")
_KEY = re.compile(r"^[A-Za-z0-9._,=:-]{1,200}$")


def enabled() -> bool:
    return bool(settings.MAILBOX_DIR) and Path(settings.MAILBOX_DIR).is_dir()


def _box() -> mailbox.Maildir:
    if not enabled():
        raise Http404("No demo mailbox: MAILBOX_DIR is not set.")
    return mailbox.Maildir(settings.MAILBOX_DIR, create=False)


def _refuse(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_staff else HttpResponseForbidden("Staff only.", content_type="text/plain")


def _parsed(box: mailbox.Maildir, key: str) -> EmailMessage:
    if not _KEY.match(key) or key not in box:
        raise Http404("No such message.")
    with box.get_file(key) as handle:
        return email.message_from_bytes(handle.read(), policy=email.policy.default)


def _newest(box: mailbox.Maildir, limit: int) -> list[tuple[float, str]]:
    found = []
    for sub in ("new", "cur"):
        folder = Path(settings.MAILBOX_DIR) / sub
        for path in folder.iterdir() if folder.is_dir() else []:
            found.append((path.stat().st_mtime, path.name.split(":2,")[0]))
    return sorted(found, reverse=True)[:limit]


@never_cache
def inbox(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request):
        return refused
    box = _box()
    rows: list[dict[str, Any]] = []
    for _, key in _newest(box, 200):
        try:
            message = _parsed(box, key)
        except (Http404, OSError):
            continue
        rows.append(
            {"key": key, "subject": message["Subject"], "to": message["To"], "from": message["From"], "date": message["Date"]}
        )
    return TemplateResponse(request, "newsletters/admin/mailbox.html", {"page_title": "Mailbox", "rows": rows})


@never_cache
def message(request: HttpRequest, key: str) -> HttpResponse:
    if refused := _refuse(request):
        return refused
    parsed = _parsed(_box(), key)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return TemplateResponse(
        request,
        "newsletters/admin/mailbox_message.html",
        {
            "page_title": str(parsed["Subject"] or "(no subject)"),
            "key": key,
            "headers": [(name, parsed[name]) for name in SHOWN_HEADERS if parsed[name]],
            "text": text.get_content() if text is not None else "",
            "has_html": html is not None,
            "size": len(parsed.as_bytes()),
        },
    )


@never_cache
@xframe_options_sameorigin
def message_html(request: HttpRequest, key: str) -> HttpResponse:
    if refused := _refuse(request):
        return refused
    html = _parsed(_box(), key).get_body(preferencelist=("html",))
    if html is None:
        raise Http404("This message has no HTML part.")
    response = HttpResponse(html.get_content())
    # Shown in a sandboxed frame; scripts never run even if a message carried one.
    response["Content-Security-Policy"] = "script-src 'none'; sandbox"
    return response
