"""Composing and sending from the Wagtail admin: the sends list, the compose form, a send's page
(preview at desktop and phone width, test to myself, send now / schedule, pause, resume, cancel,
progress, "unknown" recipients with one-click resend), and importing a list of addresses.

Reading needs newsletters.view_send; composing and sending need newsletters.add_send.
Without them the answer is a plain 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateTimeInput, AdminPageChooser

from masthead.newsletters import delivery, rendering, sending, services
from masthead.newsletters.models import DeliveryStatus, Newsletter, Send, SendKind, SendStatus
from masthead.newsletters.transport import Recipient, Transport
from masthead.newsroom.models import ArticlePage, IssuePage

VIEW_PERMISSION = "newsletters.view_send"
SEND_PERMISSION = "newsletters.add_send"


def _refuse(request: HttpRequest, permission: str) -> HttpResponse | None:
    if request.user.has_perm(permission):
        return None
    return HttpResponseForbidden(f"This page needs the {permission!r} permission.", content_type="text/plain")


class SendForm(WagtailAdminModelForm):
    class Meta:
        model = Send
        fields = ["newsletter", "kind", "article", "issue", "subject", "body", "rate"]
        widgets = {
            "article": AdminPageChooser(target_models=[ArticlePage]),
            "issue": AdminPageChooser(target_models=[IssuePage]),
        }
        labels = {"body": "Text", "kind": "What to send", "rate": "Messages per second"}
        help_texts = {
            "rate": "0: the site's NEWSLETTER_RATE (no limit unless set). Your provider's sending limit, if it has one."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["newsletter"].queryset = Newsletter.objects.filter(active=True)
        # Draftail posts its editor state as JSON; anything else (an empty or hand-made POST) would raise
        # inside the widget and answer 500. It is read as no text, and a non-empty one is refused in clean().
        widget = self.fields["body"].widget
        reader = widget.value_from_datadict
        self.unreadable_body = False

        def tolerant(data: Any, files: Any, name: str) -> Any:
            try:
                return reader(data, files, name)
            except ValueError:
                self.unreadable_body = bool(str(data.get(name, "")).strip())
                return ""

        widget.value_from_datadict = tolerant
        self.fields["subject"].required = False
        self.fields["rate"].required = False
        self.fields["subject"].help_text = "Empty: the article's headline or the issue's title."

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()
        if self.unreadable_body:
            self.add_error("body", "The text could not be read from the editor; write it again.")
        kind = data.get("kind")
        if kind == SendKind.ARTICLE and not data.get("article"):
            self.add_error("article", "Choose the article to send.")
        if kind == SendKind.ISSUE and not data.get("issue"):
            self.add_error("issue", "Choose the issue to send.")
        if kind == SendKind.POST and not (data.get("body") or "").strip():
            self.add_error("body", "Write the post.")
        if not (data.get("subject") or "").strip():
            page = data.get("article") if kind == SendKind.ARTICLE else data.get("issue") if kind == SendKind.ISSUE else None
            if page is None:
                self.add_error("subject", "An email-only post needs a subject.")
            else:
                data["subject"] = page.title[:200]
        data["rate"] = data.get("rate") or 0
        for name, other in (("article", SendKind.ARTICLE), ("issue", SendKind.ISSUE)):
            if kind != other:
                data[name] = None
        return data


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(label="Send at", widget=AdminDateTimeInput())

    def clean_at(self) -> datetime:
        at: datetime = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError("Choose a time in the future, or send now.")
        return at


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="CSV with an 'email' column, or one address per line.")
    addresses = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text="Or paste addresses here.")

    def text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload:
            raw = upload.read(5_000_000)
            try:
                return str(raw.decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text; save it as CSV (UTF-8).") from None
        return str(self.cleaned_data.get("addresses") or "")


def _page(request: HttpRequest, template: str, title: str, context: dict[str, Any]) -> TemplateResponse:
    return TemplateResponse(request, f"newsletters/admin/{template}", {"page_title": title, **context})


@never_cache
def sends_list(request: HttpRequest) -> HttpResponse:
    if refused := _refuse(request, VIEW_PERMISSION):
        return refused
    page = Paginator(Send.objects.select_related("newsletter").order_by("-created"), 30).get_page(request.GET.get("p"))
    for send in page:
        send.counts = delivery.counts(send.pk)  # type: ignore[attr-defined]
    return _page(
        request,
        "sends_list.html",
        "Newsletter sends",
        {"page_obj": page, "can_send": request.user.has_perm(SEND_PERMISSION), "newsletters": Newsletter.objects.all()},
    )


@never_cache
def send_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if refused := _refuse(request, SEND_PERMISSION):
        return refused
    send = get_object_or_404(Send, pk=pk) if pk else None
    if send is not None and send.status not in (SendStatus.DRAFT, SendStatus.SCHEDULED):
        messages.error(request, "A send that has started cannot be edited.")
        return redirect("newsletters_admin:send", pk=send.pk)
    initial: dict[str, Any] = {}
    for name in ("article", "issue"):
        if request.GET.get(name, "").isdigit():
            initial[name], initial["kind"] = int(request.GET[name]), name
    form = SendForm(request.POST or None, instance=send, initial=initial)
    if request.method == "POST" and form.is_valid():
        send = form.save(commit=False)
        if send.pk is None:
            send.created_by = request.user
        send.save()
        messages.success(request, "Saved as a draft. Preview it, send yourself a test, then send or schedule.")
        return redirect("newsletters_admin:send", pk=send.pk)
    title = "Edit the email" if send else "New email"
    return _page(request, "send_form.html", title, {"form": form, "send": send})


def _free_reader() -> Any:
    # An account with no grant, never saved: the gate treats it as a reader without a subscription.
    return get_user_model()(username="preview", is_active=True)


@never_cache
def send_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refuse(request, VIEW_PERMISSION):
        return refused
    send = get_object_or_404(Send.objects.select_related("newsletter", "article", "issue"), pk=pk)
    counts = delivery.counts(send.pk)
    outcomes = send.deliveries.aggregate(
        delivered=_count("delivered_at"), bounced=_count("bounced_at"), complained=_count("complained_at")
    )
    unsubscribed = send.newsletter.subscriptions.filter(unsubscribed_from=send).count()
    done = counts["sent"] + counts["failed"] + counts["unknown"] + counts["skipped"] + counts["cancelled"]
    unknown = Paginator(send.deliveries.filter(status=DeliveryStatus.UNKNOWN).order_by("id"), 50).get_page(request.GET.get("p"))
    failed = send.deliveries.filter(status=DeliveryStatus.FAILED).order_by("id")[:100]
    size = None
    try:
        rendered = rendering.render(send, request.user)
        with Transport(send.newsletter) as transport:
            size = len(transport.message(Recipient(0, send.pk, 0, "reader@example.com"), rendered).message().as_bytes())
        html_size = len(rendered.html.encode())
    except Exception as exc:  # noqa: BLE001 - the page must show even if the article behind it is broken
        html_size = 0
        messages.error(request, f"The email cannot be rendered: {exc}")
    return _page(
        request,
        "send_detail.html",
        send.subject,
        {
            "send": send,
            "counts": counts,
            "outcomes": outcomes,
            "unsubscribed": unsubscribed,
            "done": done,
            "percent": round(100 * done / send.recipient_count) if send.recipient_count else 0,
            "unknown": unknown,
            "failed": failed,
            "can_send": request.user.has_perm(SEND_PERMISSION),
            # Cancel means nothing more goes out: a cancelled send's unknown rows are listed, not resent.
            "can_resend": request.user.has_perm(SEND_PERMISSION) and send.status != SendStatus.CANCELLED,
            "schedule_form": ScheduleForm(),
            "message_size": size,
            "html_size": html_size,
            "clip_limit": rendering.GMAIL_CLIP_BYTES,
            "refresh": send.status == SendStatus.SENDING,
        },
    )


def _count(field: str) -> Any:
    from django.db.models import Count

    return Count("id", filter=_not_null(field))


def _not_null(field: str) -> Any:
    from django.db.models import Q

    return Q(**{f"{field}__isnull": False})


@never_cache
@xframe_options_sameorigin
def send_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The email's HTML for the preview frames: as a subscriber gets it, or as a reader without a subscription."""
    if refused := _refuse(request, VIEW_PERMISSION):
        return refused
    send = get_object_or_404(Send.objects.select_related("newsletter", "article", "issue"), pk=pk)
    user = request.user if request.GET.get("as") != "free" else _free_reader()
    rendered = rendering.render(send, user)
    html, _ = rendered.personalise(dict.fromkeys(rendered.tokens.all(), "#"))
    response = HttpResponse(html)
    response["Content-Security-Policy"] = "script-src 'none'"
    return response


@require_POST
def send_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if refused := _refuse(request, SEND_PERMISSION):
        return refused
    send = get_object_or_404(Send.objects.select_related("newsletter", "article", "issue"), pk=pk)
    try:
        if action == "test":
            messages.success(request, f"Test sent to {sending.send_test(send=send, user=request.user)}.")
        elif action == "start":
            sending.start(send=send, seen=request.POST.get("seen") or None)
            messages.success(request, "Sending has started.")
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(str(e) for e in form.errors.get("at", ["Choose a time."])))
            else:
                sending.schedule(send=send, at=form.cleaned_data["at"])
                messages.success(request, f"Scheduled for {timezone.localtime(form.cleaned_data['at']):%B %-d, %Y %H:%M}.")
        elif action == "unschedule":
            sending.unschedule(send=send)
            messages.success(request, "Back to draft.")
        elif action == "pause":
            sending.pause(send=send)
            messages.success(request, "Paused: batches already handed to a worker finish, nothing new starts.")
        elif action == "resume":
            sending.resume(send=send)
            messages.success(request, "Sending again.")
        elif action == "cancel":
            left = sending.cancel(send=send)
            messages.success(request, f"Cancelled: {left} recipients will not get it.")
        elif action == "resend":
            ids = [int(v) for v in request.POST.getlist("delivery") if v.isdigit()]
            if request.POST.get("all") == "unknown":
                ids = list(send.deliveries.filter(status=DeliveryStatus.UNKNOWN).values_list("pk", flat=True))
            count = sending.resend(send=send, delivery_ids=ids, by=request.user)
            if count:
                messages.success(request, f"{count} recipient{pluralize(count)} {pluralize(count, 'is,are')} queued again.")
            else:
                messages.warning(request, "Nothing to resend: those recipients are already queued again or sent.")
        else:
            return HttpResponse(f"Unknown action {action!r}.", status=400, content_type="text/plain")
    except sending.SendError as error:
        messages.error(request, str(error))
    return redirect("newsletters_admin:send", pk=send.pk)


@never_cache
def import_subscribers(request: HttpRequest, pk: int) -> HttpResponse:
    if refused := _refuse(request, SEND_PERMISSION):
        return refused
    newsletter = get_object_or_404(Newsletter, pk=pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.import_subscribers(newsletter=newsletter, text=form.text())
        except forms.ValidationError as error:
            form.add_error("file", error)
        except services.ImportRejected as error:
            for problem in error.problems[:50]:
                form.add_error(None, problem)
            form.add_error(None, "Nothing was imported. Fix these lines and import the whole file again.")
        except services.NewsletterError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Imported into {newsletter.name}: {counts['added']} added, {counts['already']} already subscribed, "
                f"{counts['unsubscribed']} had unsubscribed (left alone), {counts['suppressed']} suppressed.",
            )
            return redirect("newsletters_admin:sends")
    return _page(request, "import.html", f"Import addresses into {newsletter.name}", {"form": form, "newsletter": newsletter})
