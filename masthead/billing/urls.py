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
    path("change/<slug:slug>/", views.change_plan, name="change_plan"),
    path("gift/", views.gift, name="gift"),
    path("gift/<int:pk>/", views.gift_done, name="gift_done"),
    path("details/", views.details, name="details"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    path("payment-method/", views.payment_method, name="payment_method"),
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
]
