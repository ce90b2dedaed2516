from django.urls import path

from jigai.documents import views

app_name = "documents"
urlpatterns = [
    path("project/<int:project>/upload/", views.upload, name="upload"),
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
]
