from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "masthead.fulfilment"
    label = "fulfilment"
