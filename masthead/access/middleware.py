"""One answer per reader per request: the gate, the header's Subscribe button, the ad
slots and the issue's downloads all ask whether the reader has an active grant;
within one request they share one query (entitlements.one_answer_per_reader)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from masthead.access.entitlements import one_answer_per_reader


class OneAnswerPerRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with one_answer_per_reader():
            return self.get_response(request)
