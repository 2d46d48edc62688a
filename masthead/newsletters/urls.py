from collections.abc import Callable
from typing import Any

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, include, path
from django.views.decorators.csrf import csrf_exempt

from masthead.newsletters import views

app_name = "newsletters"


def provider() -> str:
    """The django-anymail provider EMAIL_BACKEND names ("postmark", "amazon_ses", ...), or "" for SMTP and others."""
    parts = settings.EMAIL_BACKEND.split(".")
    return parts[2] if len(parts) == 4 and parts[:2] == ["anymail", "backends"] else ""


def _only_our_provider(pattern: URLPattern) -> URLPattern:
    """anymail mounts every provider's webhook; ours answers, the others are 404, not a 500 for missing keys."""
    esp = str(pattern.pattern).lstrip("^").split("/")[0]
    callback: Callable[..., HttpResponse] = pattern.callback

    @csrf_exempt
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if esp != provider():
            raise Http404(f"No {esp} webhook here: this site sends mail through {provider() or 'SMTP'}.")
        return callback(request, *args, **kwargs)

    return URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name)


urlpatterns = [
    path("", views.archive, name="archive"),
    path("archive/<int:pk>/", views.archive_send, name="archive-send"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("account/", views.account_choices, name="account"),
    # django-anymail's signed tracking and inbound webhooks: /newsletters/webhooks/<provider>/tracking/
    path("webhooks/", include(([_only_our_provider(p) for p in anymail_urls.urlpatterns], "anymail"))),
    path("webhooks/<path:rest>", csrf_exempt(views.unknown_webhook)),
]
