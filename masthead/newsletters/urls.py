from django.urls import include, path

from masthead.newsletters import views

app_name = "newsletters"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("archive/<int:pk>/", views.archive_send, name="archive-send"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("account/", views.account_choices, name="account"),
    # django-anymail's signed tracking and inbound webhooks: /newsletters/webhooks/<provider>/tracking/
    path("webhooks/", include("anymail.urls")),
]
