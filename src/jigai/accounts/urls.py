from django.urls import path

from jigai.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/roles/", views.user_roles, name="user_roles"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/unlock/", views.unlock, name="unlock"),
    path("second-factor/", views.second_factor_page, name="second_factor"),
    path("second-factor/verify/", views.otp_verify, name="otp_verify"),
    path("second-factor/enrol/", views.otp_enrol, name="otp_enrol"),
    path("second-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path(
        "users/<int:pk>/second-factor/reset/",
        views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("organisations/", views.organisations, name="organisations"),
]
