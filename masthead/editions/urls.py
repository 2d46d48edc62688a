"""The web reader (/issues/<slug>/read/…) and the edition files under their issue: /issues/<slug>/epub/, /pdf/,
/audio/ for readers; /print/, /print-cover/ for staff.

Included from masthead/urls.py before Wagtail's page tree, so these paths win over the
catch-all; the issue itself stays a Wagtail page at /issues/<slug>/.
"""

from django.urls import path

from masthead.editions import reader, views

app_name = "editions"

urlpatterns = [
    path("issues/<slug:slug>/read/", reader.front, name="reader"),
    path("issues/<slug:slug>/read/<slug:article_slug>/", reader.article, name="reader-article"),
    path("issues/<slug:slug>/epub/", views.download, {"kind": "epub"}, name="epub"),
    path("issues/<slug:slug>/pdf/", views.download, {"kind": "pdf"}, name="pdf"),
    path("issues/<slug:slug>/audio/", views.download, {"kind": "audio"}, name="audio"),
    path("issues/<slug:slug>/print/", views.download, {"kind": "print"}, name="print"),
    path("issues/<slug:slug>/print-cover/", views.download, {"kind": "print_cover"}, name="print-cover"),
]
