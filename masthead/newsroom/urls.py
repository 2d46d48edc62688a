from django.urls import path

from masthead.newsroom import feeds

app_name = "newsroom"

urlpatterns = [
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="atom"),
    path("feeds/<slug:section_slug>/rss/", feeds.LatestArticlesFeed(), name="section-rss"),
]
