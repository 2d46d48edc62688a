"""The admin's avatars are served by the site itself. Wagtail links Gravatar by default, which a
self-hosted magazine (often on a closed network, always under a strict CSP) shows as a broken image."""

from __future__ import annotations

import re

from django.conf import settings


def test_the_dashboard_avatar_is_a_file_the_site_serves(client, editor, magazine):
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    # Wagtail puts the class on a wrapper around the <img>, and the sidebar's avatar
    # travels in its JSON props ("avatarUrl").
    sources = re.findall(r'class="[^"]*avatar[^"]*"[^>]*>\s*<img[^>]*src="([^"]+)"', html)
    sources += [url.replace("\\/", "/") for url in re.findall(r"avatarUrl&quot;:\s*&quot;([^&]+)&quot;", html)]
    sources += [url.replace("\\/", "/") for url in re.findall(r'"avatarUrl":\s*"([^"]+)"', html)]
    assert sources, "no avatar on the dashboard"
    assert all(src.startswith(settings.STATIC_URL) for src in sources), sources
    assert "gravatar" not in html


def test_the_admin_policy_no_longer_lets_images_in_from_gravatar(client, editor, magazine):
    client.force_login(editor)
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "gravatar" not in policy
