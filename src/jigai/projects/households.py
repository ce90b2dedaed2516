"""The household list of a project building (room / unit, area, owner), so that the owners'
share can be collected per household (projects.plan.household_dues).

A list is pasted or uploaded as rows "room, area[, owner]" (comma, Chinese comma, tab or
semicolon between cells; .csv/.txt in UTF-8 or GBK, or the first sheet of an .xlsx). The
whole list is checked before anything is written — one bad row refuses it, every problem
named by its row — and then replaces the building's list. Either every row gives an area or
none does. A room that has owners' payments recorded cannot be dropped from the list. The
owner's name and the room are personal data (``jigai.core.personal``): pages show them
masked except to the roles of the inventory, in their own county (:func:`personal_view`),
and showing them unmasked is audited once a day per user and project
(:func:`log_unmasked_view`); the audit trail keeps the name masked. Contractors see neither
room numbers nor household money.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigai.audit import services as audit
from jigai.audit.models import AuditEntry
from jigai.core import personal
from jigai.core.errors import BusinessError, require
from jigai.core.personal import mask_name
from jigai.core.roles import Cap
from jigai.projects.access import bump, in_scope, lock
from jigai.projects.models import Household, Ledger, LedgerEntry, Project, ProjectBuilding, Stage

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
_SPLIT = re.compile(r"\s*[,，\t;；]\s*")
_UNIT = re.compile(r"\s*(m²|㎡|m2|平方米|平米)\s*$", re.IGNORECASE)
CLOSED = {Stage.CLOSED, Stage.WITHDRAWN}

Row = tuple[int, list[str]]  # (line or row number, cells)


def parse_text(text: str) -> list[Row]:
    """Pasted rows: one household per line; blank lines are skipped."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            rows.append((n, [c.strip() for c in _SPLIT.split(line.strip())]))
    return rows


def parse_upload(name: str, data: bytes) -> list[Row]:
    """An uploaded file's rows (.xlsx first sheet, else text in UTF-8 or GBK)."""
    if len(data) > MAX_BYTES:
        raise BusinessError(
            _("The file is larger than %(n)d kB.") % {"n": MAX_BYTES // 1000},
        )
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
            raise BusinessError(_("Not readable as an Excel (.xlsx) file.")) from exc
        rows = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else str(v).strip() for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append((n, cells))
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return parse_text(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise BusinessError(_("The file is neither UTF-8 nor GBK text."))


_HEADER = re.compile(r"面积|area|房号|户号|房间|室号|room|unit", re.IGNORECASE)


def _is_header(cells: list[str]) -> bool:
    """A first row naming the columns (房号, 面积 …), not a household."""
    area = cells[1] if len(cells) > 1 else ""
    return _area(area) is None and any(_HEADER.search(c) for c in cells[:2])


def _blank(text: str) -> bool:
    return not (text or "").strip()


def _area(text: str) -> Decimal | None:
    try:
        value = Decimal(_UNIT.sub("", text.strip().replace(",", "")))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def validate_rows(rows: list[Row], item: ProjectBuilding) -> tuple[list[Household], list[str]]:
    """The households of ``rows`` (not saved) and every problem, each naming its row."""
    if rows and _is_header(rows[0][1]):
        rows = rows[1:]
    problems: list[str] = []
    if not rows:
        problems.append(_("The list has no household."))
    if len(rows) > MAX_ROWS:
        problems.append(_("More than %(n)d rows.") % {"n": MAX_ROWS})
    households, seen = [], {}
    for position, (n, cells) in enumerate(rows, start=1):
        label = cells[0] if cells else ""
        area_text = cells[1] if len(cells) > 1 else ""
        owner = cells[2] if len(cells) > 2 else ""
        if len(cells) > 3:
            problems.append(_("Row %(n)d: more than three cells (room, area, owner).") % {"n": n})
        if _blank(label):
            problems.append(_("Row %(n)d: the room / unit is missing.") % {"n": n})
        elif len(label) > 40:
            problems.append(
                _("Row %(n)d: the room / unit is longer than 40 characters.") % {"n": n}
            )
        elif label in seen:
            problems.append(
                _("Row %(n)d: room %(r)s is already in row %(m)d.")
                % {"n": n, "r": label, "m": seen[label]}
            )
        seen.setdefault(label, n)
        area = None
        if not _blank(area_text):
            area = _area(area_text)
            if area is None:
                problems.append(
                    _("Row %(n)d: “%(a)s” is not an area in m².") % {"n": n, "a": area_text}
                )
            elif area <= 0 or area != area.quantize(Decimal("0.01")):
                problems.append(
                    _("Row %(n)d: the area must be more than 0 with at most two decimals.")
                    % {"n": n}
                )
                area = None
            elif area > item.floor_area_m2:
                problems.append(
                    _("Row %(n)d: %(a)s m² is more than the building's floor area %(f)s m².")
                    % {"n": n, "a": area, "f": item.floor_area_m2}
                )
                area = None
        if len(owner) > 60:
            problems.append(
                _("Row %(n)d: the owner's name is longer than 60 characters.") % {"n": n}
            )
        households.append(
            Household(
                item=item, position=position, label=label[:40], area_m2=area, owner_name=owner[:60]
            )
        )
    with_area = [n for (n, cells) in rows if len(cells) > 1 and not _blank(cells[1])]
    if with_area and len(with_area) != len(rows):
        missing = [str(n) for (n, cells) in rows if len(cells) < 2 or _blank(cells[1])]
        problems.append(
            _("Give the area of every household or of none (rows without one: %(rows)s).")
            % {"rows": ", ".join(missing[:20]) + ("…" if len(missing) > 20 else "")}
        )
    return households, problems


def paid_labels(item: ProjectBuilding) -> dict[str, int]:
    """Owners' payments per household label of the building [fen], net of reversals."""
    return {
        label: total
        for label, total in LedgerEntry.objects.filter(
            project_id=item.project_id, ledger=Ledger.OWNERS, building_id=item.building_id
        )
        .exclude(household="")
        .values_list("household")
        .annotate(s=Sum("amount_fen"))
        .values_list("household", "s")
        if total
    }


def set_households(item: ProjectBuilding, rows: list[Row], *, actor) -> int:
    """Replace the building's household list with ``rows`` (checked whole); returns the count."""
    require(actor, Cap.RECORD_OWNER_PAYMENTS)
    with transaction.atomic():
        project = lock(item.project, actor)
        if project.stage in CLOSED:
            raise BusinessError(
                _("The household list cannot be changed while the project is “%(s)s”.")
                % {"s": project.get_stage_display()}
            )
        item = ProjectBuilding.objects.select_for_update().get(pk=item.pk, project=project)
        households, problems = validate_rows(rows, item)
        labels = {h.label for h in households}
        for label in sorted(set(paid_labels(item)) - labels):
            problems.append(
                _("Room %(r)s has owners' payments recorded and must stay in the list.")
                % {"r": label}
            )
        if problems:
            raise BusinessError(
                _("The household list was not saved: %(n)d problem(s).") % {"n": len(problems)},
                details=problems,
            )
        before = [[h.label, h.area_m2] for h in item.household_list.all()]
        item.household_list.all().delete()
        Household.objects.bulk_create(households)
        bump(project)
        area = sum((h.area_m2 for h in households if h.area_m2 is not None), Decimal(0))
        audit.record(
            actor=actor,
            action="project.households",
            obj=project,
            division_code=project.division.code,
            data={
                "a": actor.display_name,
                "b": str(item.building),
                "p": project.code,
                "n": len(households),
                "m": area,
            },
            before={"households": before} if before else None,
            after={
                "building": item.building_id,
                "households": [[h.label, h.area_m2, mask_name(h.owner_name)] for h in households],
            },
        )
    return len(households)


# --------------------------------------------------------------------------- personal data
class Shown(models.TextChoices):
    """What a page showed unmasked (the codes of a ``personal.view`` audit entry)."""

    OWNER_NAMES = "owner_names", gettext_lazy("owners' names")
    ROOM_NUMBERS = "room_numbers", gettext_lazy("room numbers")


@dataclass(frozen=True)
class PersonalView:
    """How a user sees a project's households: owners' names whole or masked, room numbers
    whole, masked or hidden, and whether amounts per household or owner are shown."""

    names: bool
    rooms: str  # "full" | "masked" | "hidden"
    money: bool

    @property
    def unmasked(self) -> list[str]:
        return [
            code
            for code, shown in ((Shown.OWNER_NAMES, self.names), (Shown.ROOM_NUMBERS, self.rooms))
            if shown is True or shown == "full"
        ]


def personal_view(user, project: Project) -> PersonalView:
    """The inventory's rule (``core/data/personal_fields.yaml``) for this user and project."""
    roles = user.roles
    scoped = in_scope(project, user)
    rooms = "hidden"
    if roles & personal.room_roles():
        unmasked = personal.sees_unmasked(roles, "projects.Household", "label", in_scope=scoped)
        rooms = "full" if unmasked else "masked"
    return PersonalView(
        names=personal.sees_unmasked(roles, "projects.Household", "owner_name", in_scope=scoped),
        rooms=rooms,
        money=bool(roles & personal.household_money_roles()),
    )


def log_unmasked_view(user, project: Project, view: PersonalView, *, ip: str | None = None):
    """Audit that ``user`` was shown the project's households unmasked: at most once per
    user, project and day (returns the entry, or None when already recorded today or when
    nothing was unmasked)."""
    if not view.unmasked or not Household.objects.filter(item__project=project).exists():
        return None
    today = timezone.localdate()
    with transaction.atomic():
        seen = AuditEntry.objects.filter(
            action="personal.view",
            actor=user,
            object_type=project._meta.label,
            object_id=str(project.pk),
            business_date=today,
        ).exists()
        if seen:
            return None
        return audit.record(
            actor=user,
            action="personal.view",
            obj=project,
            division_code=project.division.code,
            business_date=today,
            ip_address=ip,
            data={"a": user.display_name, "p": project.code, "f": view.unmasked},
        )
