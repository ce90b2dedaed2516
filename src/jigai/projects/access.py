"""Taking hold of a project for a change: the row lock, the county scope and the
stale-version check every project action shares."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jigai.accounts.scope import in_scope
from jigai.core.errors import BusinessError, StaleVersion
from jigai.projects.models import Project


def lock(project: Project, actor, expected_version: int | None = None) -> Project:
    """The project re-read under a row lock (inside the caller's transaction);
    refused for another county's user or a form opened on an older version."""
    locked = (
        Project.objects.select_for_update()
        .select_related("programme", "division", "category")
        .get(pk=project.pk)
    )
    if not in_scope(locked, actor):
        raise BusinessError(_("This project belongs to another county."))
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _("The project was changed by someone else since you opened it. Reload and try again.")
        )
    return locked


def bump(project: Project) -> None:
    """Mark the project changed (its version guards against stale forms)."""
    project.version += 1
    project.save(update_fields=["version"])
