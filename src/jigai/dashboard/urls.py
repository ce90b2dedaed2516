from django.urls import path

from jigai.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/<int:pk>/task-table/", views.task_table, name="task_table"),
    path("programmes/<int:pk>/counties/<slug:code>/", views.county_detail, name="county"),
]
