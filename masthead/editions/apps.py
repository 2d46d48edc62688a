from django.apps import AppConfig


class EditionsConfig(AppConfig):
    name = "masthead.editions"
    label = "editions"
    verbose_name = "Editions"

    def ready(self) -> None:
        from masthead.editions import signals

        signals.connect()
