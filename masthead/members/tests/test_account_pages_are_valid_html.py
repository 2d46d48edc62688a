"""Account pages and the metered article are valid HTML (vnu), in one checker run."""

from __future__ import annotations

import shutil

import pytest
from django.test import Client

from masthead.core.tests.test_valid_html import VNU_JAR, describe, vnu_errors


@pytest.mark.skipif(not shutil.which("java") or not VNU_JAR.exists(), reason="needs java and npm's vnu-jar")
def test_account_pages_are_valid_html(magazine, set_meter, subscriber, client_for, tmp_path):
    set_meter(2)
    anonymous, signed_in = Client(), client_for(subscriber)
    pages = {
        "sign-in-with-errors": anonymous.post("/account/signin/", {"email": "not-an-email"}),
        "sign-in": anonymous.get("/account/signin/"),
        "sign-up": anonymous.get("/account/signup/"),
        "link-invalid": anonymous.get("/account/link/nonsense/"),
        "metered-article": anonymous.get(magazine.subscriber_article.url),
        "account": signed_in.get("/account/"),
        "gift": signed_in.get("/account/gift/"),
        "email-change": signed_in.get("/account/email/"),
        "password": signed_in.get("/account/password/"),
        "password-reset": anonymous.get("/account/password/reset/"),
    }
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    assert "free article" in pages["metered-article"].content.decode()
    errors = vnu_errors(files)
    assert not errors, describe(errors)
