from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "masthead.search"
    label = "search"

    def ready(self) -> None:
        from masthead.search import signals

        signals.connect(self)
