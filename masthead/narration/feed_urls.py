"""Podcast feeds, mounted at the site root: robots.txt disallows /podcast/ and /feeds/private/."""

from django.urls import path, re_path

from masthead.narration import podcast

app_name = "podcast"

TOKEN = r"(?P<token>[A-Za-z0-9_-]{20,64})"  # noqa: S105 - a URL pattern, not a secret

urlpatterns = [
    path("podcast/public.xml", podcast.public_feed, name="public"),
    re_path(rf"^feeds/private/{TOKEN}/podcast\.xml$", podcast.private_feed, name="private"),
    re_path(rf"^feeds/private/{TOKEN}/audio/(?P<pk>\d+)/(?P<filename>[^/]+)$", podcast.private_audio, name="private-audio"),
    re_path(
        rf"^feeds/private/{TOKEN}/transcript/(?P<pk>\d+)\.(?P<ext>vtt|txt)$",
        podcast.private_transcript,
        name="private-transcript",
    ),
]
