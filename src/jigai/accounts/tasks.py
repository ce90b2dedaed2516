"""Scheduled work of accounts, as tasks of Django's tasks framework."""

from django_tasks import task


@task()
def disable_dormant_accounts() -> list[str]:
    """``jigai disable_dormant`` as a task (enqueue it daily)."""
    from jigai.accounts.services import disable_dormant

    return disable_dormant()
