from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "masthead.members"
    label = "members"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from masthead.members.services import remember_past_email

        pre_save.connect(remember_past_email, sender=get_user_model(), dispatch_uid="members-past-emails")
        # Registered here rather than in wagtail_hooks.py, which the staff tools (business) own.
        from masthead.members import admin_viewsets  # noqa: F401
