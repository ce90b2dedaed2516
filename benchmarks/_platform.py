"""Set up a throw-away platform database (SQLite file in a temp folder, or the
DATABASE_URL given) with Yangquan's reference data, the 2023 programme and the
demo accounts, for the platform benchmarks."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup_django() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="jigai-bench-"))
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ.setdefault("JIGAI_HTTPS", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["JIGAI_DATA_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jigai.conf.test_settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # responses carry their template context
    (tmp / "static").mkdir()

    call_command("migrate", verbosity=0)
    from jigai.demo.loader import load_demo

    load_demo(buildings=0)
    return tmp


def survey_workbook(n: int, *, seed: int = 2023) -> bytes:
    from jigai.demo.loader import register_demo_streets
    from jigai.stock.synthetic import generate, rows
    from jigai.surveytable.writer import save, survey_sheet

    register_demo_streets()
    return save(survey_sheet(rows(generate(n, seed=seed))))
