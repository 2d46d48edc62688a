"""Before setup_site has run, or after a flush emptied the sites, the magazine's name and terms still
come from somewhere: an unsaved default, never a crash (a page, an email or a billing view asks)."""

from __future__ import annotations

from django.test import RequestFactory
from wagtail.models import Site

from masthead.core.models import MagazineSettings


def test_no_site_at_all_gives_the_defaults_with_or_without_a_request(db):
    Site.objects.all().delete()
    for request in (None, RequestFactory().get("/billing/subscribe/digital-monthly/")):
        found = MagazineSettings.current(request)
        assert found.pk is None and found.name == "The Masthead Review" and found.guarantee_days == 60
    assert not MagazineSettings.objects.exists()  # asking writes nothing


def test_a_request_for_an_unknown_host_gets_the_default_sites_settings(db):
    Site.objects.all().delete()
    Site.objects.create(hostname="mag.example.com", port=80, root_page_id=1, is_default_site=False)
    default = Site.objects.create(hostname="default.example.com", port=80, root_page_id=1, is_default_site=True)
    MagazineSettings.objects.create(site=default, name="The Default Review")
    request = RequestFactory().get("/", HTTP_HOST="elsewhere.example.com")
    assert MagazineSettings.current(request).name == "The Default Review"
