from django.urls import path

from jigai.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("verify/", views.verify, name="verify"),
    path("export/", views.export, name="export"),
    path("anchors/", views.anchors, name="anchors"),
]
