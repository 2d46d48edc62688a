from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "masthead.members"
    label = "members"

    def ready(self) -> None:
        # Registered here rather than in wagtail_hooks.py, which the staff tools (business) own.
        from masthead.members import admin_viewsets  # noqa: F401
