from django.urls import path

from jigai.quality import views

app_name = "quality"
urlpatterns = [
    path("lots/<int:lot>/", views.lot_detail, name="lot"),
    path("lots/<int:lot>/tests/", views.record_test, name="record_test"),
    path("lots/<int:lot>/site-tests/", views.record_site_test, name="record_site_test"),
    path(
        "projects/<int:pk>/items/<int:item>/as-built/",
        views.as_built_measured,
        name="as_built_measured",
    ),
    path("projects/<int:pk>/lots/", views.generate, name="generate"),
    path("projects/<int:pk>/rectifications/", views.issue, name="issue"),
    path("rectifications/<int:pk>/answer/", views.answer, name="answer"),
    path("rectifications/<int:pk>/review/", views.review, name="review"),
]
