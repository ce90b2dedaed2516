from django.urls import path

from jigai.quality import views

app_name = "quality"
urlpatterns = [
    path("lots/<int:lot>/", views.lot_detail, name="lot"),
    path("lots/<int:lot>/tests/", views.record_test, name="record_test"),
    path("projects/<int:pk>/lots/", views.generate, name="generate"),
    path("projects/<int:pk>/rectifications/", views.issue, name="issue"),
    path("rectifications/<int:pk>/answer/", views.answer, name="answer"),
    path("rectifications/<int:pk>/review/", views.review, name="review"),
]
