from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from jigai.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("jigai.accounts.urls")),
    path("dashboard/", include("jigai.dashboard.urls")),
    path("programmes/", include("jigai.programmes.urls")),
    path("audit/", include("jigai.audit.urls")),
    path("buildings/", include("jigai.buildings.urls")),
    path("projects/", include("jigai.projects.urls")),
    path("documents/", include("jigai.documents.urls")),  # documents and photos (issue 12)
    path(
        "quality/", include("jigai.quality.urls")
    ),  # issue 12: lots, entry re-tests, rectifications
]

handler400 = "jigai.core.views.bad_request"
