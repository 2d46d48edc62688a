from typing import Any

from django.apps import AppConfig


def _paywall_changed(**_: Any) -> None:
    from masthead.core.pagecache import bump_generation

    # Cached teasers were rendered under the old allowance: drop them when staff change it.
    bump_generation()


class MembersConfig(AppConfig):
    name = "masthead.members"
    label = "members"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from masthead.members.models import PaywallSettings
        from masthead.members.services import remember_past_email

        post_save.connect(_paywall_changed, sender=PaywallSettings, dispatch_uid="members-paywall-settings")
        pre_save.connect(remember_past_email, sender=get_user_model(), dispatch_uid="members-past-emails")
        # Registered here rather than in wagtail_hooks.py, which the staff tools (business) own.
        from masthead.members import admin_viewsets  # noqa: F401
