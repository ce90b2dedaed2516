"""A crawler over every URL of the platform with malformed input (issue 11, hole 10):
each pattern of the resolver, its path parameters filled with real ids of the demo and
with malformed ones, each GET with malformed values of every parameter the views read,
each POST with a malformed body, as every kind of user and anonymously. No answer may be
a 5xx: a malformed value is a 400 with a message, a form error, a 404 or a refusal."""

import re
from pathlib import Path

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import jigai
from tests.conftest import pass_second_factor

# programme administrator (city-wide, manages), county officer (one county, declares and
# pays), contractor (own projects), audit administrator (the audit pages), nobody; the other
# city bureaus read the same pages as the programme administrator with fewer forms
ROLES = ["zjj_admin", "yx_officer", "contractor", "auditadmin", None]
MALFORMED = [
    "abc",
    "-1",
    "99999999999999999999",
    "NaN",
    "Infinity",
    "1e999",
    "2023-02-30",
    "0x1F",
    "１２",  # full-width digits
    "<script>alert(1)</script>",
    "' OR 1=1--",
    "\x00",
    " ",
]
NASTIEST = ["abc", "99999999999999999999", "NaN"]
# a POST body: the values that broke parsers here, plus markup, SQL and a NUL byte
POSTED = [*NASTIEST, "2023-02-30", "<script>alert(1)</script>", "' OR 1=1--", "\x00"]
DATES = {"since", "until"}
# Every query or body parameter a view reads itself (request.GET/POST, or a QueryDict handed
# to a parser); test_every_parameter_read_is_listed keeps the list complete. Form fields
# are added from the forms' own declarations.
READ = {
    "action",
    "actor",
    "object",
    "outcome",
    "since",
    "until",
    "page",
    "programme",
    "stage",
    "format",
    "zoom",
    "bbox",
    "county",
    "street",
    "community",
    "status",
    "category",
    "use",
    "year_from",
    "year_to",
    "eta_min",
    "eta_max",
    "version",
    "building",
    "source",
    "method",
    "report",
    "reason",
    "exception",
    "rule",
    "username",
    "next",
    "language",
    # quality (issue 12): lots, entry re-tests, rectification orders
    "certified",
    "material",
    "maker",
    "batch",
    "quantity",
    "lab",
    "report_no",
    "tested_on",
    "lot",
    "what",
    "where",
    "deadline",
    "evidence",
    "verdict",
    "result",
    # quality (issue 12): on-site tests and fire checks (their values as f_<field>)
    "kind",
    "item",
    "f_strength",
    "f_thickness",
    "f_floors_with_band",
}
# POSTs that start work over the whole stock whatever the body (a job with nothing to
# read): they are crawled by GET and with a malformed query, not run 5 × 13 times.
NO_POST = {"buildings:assess", "buildings:rescreen", "accounts:logout"}
SRC = Path(jigai.__file__).resolve().parent


def _form_fields() -> set[str]:
    import importlib

    names = set()
    for path in SRC.glob("*/forms.py"):
        module = importlib.import_module(f"jigai.{path.parent.name}.forms")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                names |= set(getattr(value, "base_fields", {}))
    return names


def test_every_parameter_read_is_listed():
    """The names the views read by hand (``request.GET.get("x")``, ``q["x"]``…) are all in
    READ: a new parameter cannot escape the crawl."""
    pattern = re.compile(
        r"""(?:request\.(?:GET|POST)|\bq|\bquery|\bdata)(?:\.get(?:list)?\(|\[)\s*["'](\w+)["']"""
    )
    found = set()
    for path in SRC.rglob("*.py"):
        if {"migrations", "engine", "stock"} & set(path.parts):
            continue  # the engine and the stock runner read no request
        found |= set(pattern.findall(path.read_text()))
    assert found - READ - _form_fields() == set()


def _patterns(resolvers=None, prefix="", namespace=""):
    for p in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


def _real_ids():
    from jigai.accounts.models import Division, Organisation, User
    from jigai.buildings.models import Building, ImportJob, Job
    from jigai.programmes.models import Programme
    from jigai.projects.models import LedgerEntry, Project, ProjectBuilding

    project = Project.objects.filter(items__isnull=False).first() or Project.objects.first()
    item = ProjectBuilding.objects.filter(project=project).first()
    entry = LedgerEntry.objects.filter(ledger__project=project).first() if project else None
    county = Division.objects.get(code="yuxian")
    real = {
        "accounts:": {"pk": User.objects.get(username="yx_officer").pk},
        "buildings:import": {"pk": ImportJob.objects.values_list("pk", flat=True).first()},
        "buildings:job": {"pk": Job.objects.values_list("pk", flat=True).first()},
        "buildings:": {"pk": Building.objects.filter(division__code="yuxian").first().pk},
        "dashboard:": {"pk": Programme.objects.get(year=2023).pk, "code": county.code},
        "programmes:": {"pk": Programme.objects.get(year=2023).pk},
        "projects:": {
            "pk": project.pk if project else None,
            "item": item.pk if item else None,
            "entry": entry.pk if entry else None,
            "building": item.building_id if item else Building.objects.first().pk,
        },
    }
    from jigai.quality.models import InspectionLot, Rectification

    lot = InspectionLot.objects.first()
    order = Rectification.objects.first()
    real["quality:lot"] = real["quality:record_test"] = {"lot": lot.pk if lot else None}
    real["quality:record_site_test"] = {"lot": lot.pk if lot else None}
    real["quality:"] = {"pk": project.pk if project else None}
    real["quality:as_built_measured"] = {
        "pk": project.pk if project else None,
        "item": item.pk if item else None,
    }
    real["quality:answer"] = real["quality:review"] = {"pk": order.pk if order else None}
    assert Organisation.objects.exists()
    return real


def _fills(name, route, real):
    """The route with its parameters filled: real ids first, then malformed ones."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not params:
        return [route]
    ids = next(
        (v for k, v in sorted(real.items(), key=lambda kv: -len(kv[0])) if name.startswith(k)), {}
    )

    def fill(choose):
        url = route
        for conv, pname in params:
            url = re.sub(rf"<(?:\w+:)?{pname}>", str(choose(conv, pname)), url, count=1)
        return url

    urls = [fill(lambda conv, p: ids.get(p) or 1)]
    for bad_int, bad_str in (("0", "nope"), ("99999999999999999999", "..")):
        urls.append(fill(lambda conv, p, i=bad_int, s=bad_str: i if conv in ("int", "") else s))
    return urls


def _client(user, username):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    if username:
        client.force_login(user(username))
        pass_second_factor(client, user(username))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)  # one test per role: xdist spreads them
def test_no_5xx_anywhere(user, username):
    real = _real_ids()
    names = sorted(READ | _form_fields())
    routes = list(_patterns())
    assert len(routes) > 40
    failures, made = [], 0

    def check(response, method, url, data):
        nonlocal made
        made += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {method} {url} {data!r}"[:300])
        return response.status_code

    client = _client(user, username)
    for name, route in routes:
        for i, path in enumerate(_fills(name, route, real)):
            url = "/" + path
            page = client.get(url)
            check(page, "GET", url, None)
            # the page's own inputs too (a grid's t-<county>-<category> cells …)
            inputs = set()
            if page.status_code == 200 and "html" in page.get("Content-Type", ""):
                inputs = set(re.findall(r'name="([\w-]+)"', page.content.decode()))
            body_names = sorted((set(names) | inputs) - {"csrfmiddlewaretoken"})
            # every malformed value on the real record's URL; a malformed id takes one
            refused = set()
            for value in MALFORMED if i == 0 else NASTIEST[:1]:
                status = check(client.get(url, dict.fromkeys(names, value)), "GET", url, value)
                refused |= {value} if status == 400 else set()
            for value in POSTED if i == 0 else NASTIEST[:1]:
                if name not in NO_POST:
                    body = dict.fromkeys(body_names, value)
                    check(client.post(url, body), "POST", url, value)
            if i == 0 and refused:
                # the page parses its parameters and refused the first bad one: each one
                # alone, so that an earlier refusal hides no later one
                for pname in sorted(READ):
                    for value in NASTIEST + (["2023-02-30"] if pname in DATES else []):
                        check(client.get(url, {pname: value}), "GET", url, {pname: value})
    if username:  # the crawl did not log the user out half-way
        assert client.get("/accounts/password/").status_code == 200, username
    print(
        f"\ncrawler as {username}: {made} requests over {len(routes)} URL patterns, "
        f"{len(failures)} 5xx"
    )
    assert not failures, "\n".join(failures[:60]) + f"\n… {len(failures)} in all"
