from typing import Any

from django.apps import AppConfig


def _paywall_changed(**_: Any) -> None:
    from masthead.core.pagecache import bump_generation

    # Cached teasers were rendered under the old allowance: drop them when staff change it.
    bump_generation()


def _grant_written(instance: Any, **_: Any) -> None:
    from masthead.access.entitlements import forget

    # A request that grants or revokes and then asks again (a checkout's return page) sees the write.
    forget(instance.user_id)


class AccessConfig(AppConfig):
    """Who may read what: levels, grants, the meter, entitlements and the gate every surface uses."""

    name = "masthead.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from masthead.access.models import Grant, PaywallSettings

        post_save.connect(_grant_written, sender=Grant, dispatch_uid="access-grant-written")
        post_delete.connect(_grant_written, sender=Grant, dispatch_uid="access-grant-deleted")
        post_save.connect(_paywall_changed, sender=PaywallSettings, dispatch_uid="access-paywall-settings")
