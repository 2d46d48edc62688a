from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from masthead.members import views
from masthead.members.forms import ResetForm

app_name = "members"

urlpatterns = [
    path("", views.account, name="account"),
    path("signin/", views.sign_in, name="signin"),
    path("signup/", views.sign_up, name="signup"),
    path("signout/", views.sign_out, name="signout"),
    path("link/<str:token>/", views.magic_link, name="link"),
    path("email/", views.change_email, name="email"),
    path("email/confirm/<str:token>/", views.confirm_email, name="email-confirm"),
    path("password/", views.password, name="password"),
    path("gift/", views.redeem_gift, name="gift"),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            form_class=ResetForm,
            template_name="members/password_reset.html",
            email_template_name="members/email/password_reset.txt",
            subject_template_name="members/email/password_reset_subject.txt",
            success_url=reverse_lazy("members:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="members/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="members/password_reset_confirm.html", success_url=reverse_lazy("members:signin")
        ),
        name="password-reset-confirm",
    ),
]
