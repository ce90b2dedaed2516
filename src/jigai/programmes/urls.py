from django.urls import path

from jigai.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="list"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/targets/", views.targets_edit, name="targets"),
    path("<int:pk>/rules/", views.rules_edit, name="rules"),
    path("<int:pk>/copy/", views.programme_copy, name="copy"),
    path("<int:pk>/status/", views.programme_status, name="status"),
]
