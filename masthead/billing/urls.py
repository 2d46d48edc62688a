from django.urls import path

from masthead.billing import views

app_name = "billing"
urlpatterns = [
    path("", views.plans, name="plans"),
    path("subscribe/<slug:slug>/", views.subscribe, name="subscribe"),
    path("account/", views.account, name="account"),
    path("cancel/", views.cancel, name="cancel"),
    path("resume/", views.resume, name="resume"),
    path("guarantee/", views.guarantee, name="guarantee"),
    path("payment-method/", views.payment_method, name="payment_method"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
