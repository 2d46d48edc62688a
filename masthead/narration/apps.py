from django.apps import AppConfig


class NarrationConfig(AppConfig):
    name = "masthead.narration"
    label = "narration"
