"""A climate per county/district of a programme year (issue 9 item 5).

No data migration: an existing programme gets an empty mapping, which means every county
uses ``climate_city`` — exactly the climate its stored assessments were computed in. Giving
盂县 its own climate in a running deployment is a decision of the programme administrator on
the programme's edit page (audited); it makes 盂县's stored assessments stale.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_climate_city"),
    ]

    operations = [
        migrations.AddField(
            model_name="programme",
            name="county_climates",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="County/district code → climate (city:<row> of the engine's city table, or normals:<station> estimated from 1991–2020 monthly normals); counties not listed use the climate of the engine above.",
                verbose_name="climate per county/district",
            ),
        ),
    ]
