from typing import Any

from django.apps import AppConfig


def _paywall_changed(**_: Any) -> None:
    from masthead.core.pagecache import bump_generation

    # Cached teasers were rendered under the old allowance: drop them when staff change it.
    bump_generation()


class AccessConfig(AppConfig):
    """Who may read what: levels, grants, the meter, entitlements and the gate every surface uses."""

    name = "masthead.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from masthead.access.models import PaywallSettings

        post_save.connect(_paywall_changed, sender=PaywallSettings, dispatch_uid="access-paywall-settings")
