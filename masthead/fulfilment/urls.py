from django.urls import path

from masthead.fulfilment import views

app_name = "fulfilment"
urlpatterns = [
    path("address/", views.address, name="address"),
    path("address/remove/", views.remove_address, name="remove_address"),
]
