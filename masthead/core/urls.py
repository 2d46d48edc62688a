from django.urls import path

from masthead.core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("brand/<slug:digest>/<str:kind>", views.brand_file, name="brand-file"),
]
