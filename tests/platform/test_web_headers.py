"""Security headers, no caching of signed-in pages, refusals logged in one line, a
malformed parameter answered 400, the map's names only as escaped JSON, and Django's
deployment check clean with production settings (issue 11, Must 7 and hole 1)."""

import logging
import os
import subprocess
import sys

import pytest

PAGES = ["/dashboard/", "/buildings/", "/buildings/map/", "/projects/", "/programmes/"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_pages(client_as, path):
    response = client_as("zjj_admin").get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    # personal data and money: never kept by the browser or a proxy
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    # and no inline script left for the policy to block
    body = response.content.decode()
    assert "<script>" not in body and "onchange=" not in body and ' style="' not in body


def test_login_page_and_static_files_are_not_marked_no_store(client):
    login = client.get("/accounts/login/")
    assert login.status_code == 200
    assert "no-store" not in login.get("Cache-Control", "")
    assert "script-src 'self'" in login["Content-Security-Policy"]


def test_sensitive_pages_no_store(client_as, user, programme):
    from jigai.buildings.models import Building

    building = Building.objects.filter(division__code="yuxian").first()
    client = client_as("yx_officer")
    for path in (f"/buildings/{building.pk}/", "/buildings/import/template/", "/projects/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path


def test_map_names_are_escaped_json_only(client_as):
    """A community name with markup reaches the page only inside the json_script block,
    escaped (\\u003C), and the map's JSON carries it as plain data."""
    from jigai.buildings.models import Building

    name = "<img src=x onerror=window.__xss=1>"
    building = Building.objects.filter(division__code="yuxian").first()
    community = building.community
    community.name = name
    community.save(update_fields=["name"])
    client = client_as("yx_officer")
    lon, lat = float(building.lon), float(building.lat)
    bbox = f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"
    page = client.get("/buildings/map/", {"zoom": "8", "bbox": bbox})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<img" not in body
    assert "\\u003Cimg src=x onerror=window.__xss=1\\u003E" in body
    data = client.get("/buildings/map/", {"zoom": "8", "bbox": bbox, "format": "json"}).json()
    labels = [p[3] for p in data["points"] if p[4] == building.pk]
    assert labels == [name + building.building_no]


def test_malformed_parameter_is_a_400_with_a_message(client_as):
    client = client_as("zjj_admin")
    response = client.get("/dashboard/", {"programme": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Programme year: Enter a whole number." in response.content.decode()
    chinese = client.get("/buildings/", {"eta_min": "NaN"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400
    assert "请求中有格式错误的值" in chinese.content.decode()
    assert client.get("/buildings/", {"street": "99999999999999999999"}).status_code == 400


def test_refusals_are_logged_in_one_line(client_as, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    client = client_as("contractor")
    assert client.get("/audit/").status_code == 403
    assert client_as("zjj_admin").get("/dashboard/", {"programme": "x"}).status_code == 400
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [403, 400]
    assert all(r.exc_info is None and r.exc_text is None for r in records)
    assert "Traceback" not in caplog.text


def test_deploy_check_is_clean(tmp_path):
    """``manage.py check --deploy`` with production settings: 0 warnings (0 before too)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="jigai.settings",
        SECRET_KEY="k3Yq8-Lr2@vT9#mZxW4&nB7!pD0sF5^hJ6*cG1(eU3)aR8_iO2+yQ-" + "z" * 10,
        JIGAI_HTTPS="true",
        DEBUG="false",
        ALLOWED_HOSTS="jigai.example.gov.cn",
        JIGAI_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
