"""Reader-facing audio under /audio/ (the podcast feeds are in feed_urls.py, mounted at the root)."""

from django.urls import path, re_path

from masthead.narration import transcript_views, views

app_name = "narration"

urlpatterns = [
    re_path(r"^(?P<pk>\d+)/transcript\.(?P<ext>vtt|txt)$", views.transcript, name="transcript"),
    path("<int:pk>/transcript/", transcript_views.transcript_page, name="transcript-page"),
    path("<int:pk>/<str:filename>", views.audio_file, name="file"),
    path("feed/rotate/", views.rotate_feed, name="rotate-feed"),
]
