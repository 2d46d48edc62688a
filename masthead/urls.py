"""Each app's urls, then Wagtail's page tree as the catch-all."""

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("", include("masthead.core.urls")),
    path("", include("masthead.newsroom.urls")),
    path("account/", include("masthead.members.urls")),
    path("billing/", include("masthead.billing.urls")),
    path("audio/", include("masthead.narration.urls")),
    path("", include("masthead.narration.feed_urls")),
    path("ads/", include("masthead.ads.urls")),
    path("search/", include("masthead.search.urls")),
    path("fulfilment/", include("masthead.fulfilment.urls")),
    # /issues/<slug>/epub/ etc.: before Wagtail's catch-all, which serves the issue page itself.
    path("", include("masthead.editions.urls")),
    path("newsletters/", include("masthead.newsletters.urls")),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.SERVE_MEDIA:
    from django.urls import re_path

    from masthead.core.views import public_media

    urlpatterns.append(re_path(r"^{}(?P<path>.*)$".format(re.escape((settings.MEDIA_URL or "").lstrip("/"))), public_media))

urlpatterns.append(path("", include(wagtail_urls)))
