from django.urls import path

from jigai.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/buildings/", views.add_buildings, name="add_buildings"),
    path("<int:pk>/items/<int:item>/design/", views.design, name="design"),
    path("<int:pk>/items/<int:item>/as-built/", views.as_built, name="as_built"),
    path("<int:pk>/owners/", views.owners, name="owners"),
    path("buildings/<int:building>/owners/", views.building_owners, name="building_owners"),
    path("<int:pk>/items/<int:item>/households/", views.household_list, name="households"),
    path("<int:pk>/tender/", views.tender, name="tender"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("<int:pk>/ledger/<int:entry>/reverse/", views.reverse, name="reverse"),
]
