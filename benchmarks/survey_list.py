"""Latency of the filtered building list with 50,000 buildings.

    .venv/bin/python benchmarks/survey_list.py [--buildings 50000] [--repeat 30]

Loads a synthetic stock straight through the import service, screens it, then
times the list page (Django test client, in-process: view + ORM + template) for
several filters as a city user and as a county officer. Prints p50/p95 [ms].
"""

import argparse
import statistics
import time

from _platform import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buildings", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--assess", action="store_true", help="also assess every building (η column)"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    from jigai.accounts.models import User
    from jigai.buildings import importer
    from jigai.buildings.assessment import assess_buildings
    from jigai.buildings.eligibility import screen
    from jigai.buildings.models import Building
    from jigai.demo.loader import ensure_programme_2023, register_demo_streets
    from jigai.stock.synthetic import generate

    register_demo_streets()
    t0 = time.perf_counter()
    importer.write_columns(generate(args.buildings), actor=None, actor_name="benchmark")
    screen(ensure_programme_2023(), Building.objects.all(), actor=None, actor_name="benchmark")
    if args.assess:
        t1 = time.perf_counter()
        assess_buildings(
            ensure_programme_2023(), Building.objects.all(), actor=None, actor_name="benchmark"
        )
        print(f"assessed {Building.objects.count()} buildings in {time.perf_counter() - t1:.1f} s")
    print(
        f"database: {connection.vendor}; loaded and screened {Building.objects.count()} buildings "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    cases = [
        ("zjj_admin", {}),
        ("zjj_admin", {"county": "yuxian"}),
        ("zjj_admin", {"status": "excluded"}),
        (
            "zjj_admin",
            {"county": "gaoxin", "use": "residential", "year_from": "1980", "year_to": "1995"},
        ),
        ("zjj_admin", {"community": "幸福"}),
        ("zjj_admin", {"status": "eligible", "page": "200"}),
        ("zjj_admin", {"eta_min": "35"}),
        ("yx_officer", {}),
        ("yx_officer", {"status": "incomplete"}),
    ]
    print(f"{'user':<11} {'filters':<62} {'rows':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for username, query in cases:
        client = Client()
        client.force_login(User.objects.get(username=username))
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get("/buildings/", query)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        count = response.context["page"].paginator.count
        print(
            f"{username:<11} {str(query):<62} {count:>6} {statistics.median(times):>7.1f} {p95:>7.1f}"
        )


if __name__ == "__main__":
    main()
