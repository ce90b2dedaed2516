from django.urls import path

from jigai.buildings import views

app_name = "buildings"
urlpatterns = [
    path("", views.building_list, name="list"),
    path("<int:pk>/", views.building_detail, name="detail"),
    path("<int:pk>/rule-exception/", views.rule_exception, name="rule_exception"),
    path("summary/", views.summary, name="summary"),
    path("map/", views.building_map, name="map"),
    path("screen/", views.rescreen, name="rescreen"),
    path("assess/", views.assess, name="assess"),
    path("import/", views.import_start, name="import"),
    path("import/template/", views.template_download, name="template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("import/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("export/", views.export, name="export"),
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/file/", views.job_output, name="job_output"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
]
