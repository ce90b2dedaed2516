"""Progress against the task table, per county-level unit × category."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from jigai.accounts.models import Division
from jigai.programmes.models import Category, Programme
from jigai.projects.progress import area_by_stage


@dataclass
class Cell:
    target_m2: int = 0
    in_progress_m2: int = 0
    completed_m2: int = 0

    @property
    def completed_fraction(self) -> Fraction | None:
        """Completed ÷ target, or None where there is no target."""
        return Fraction(self.completed_m2, self.target_m2) if self.target_m2 else None

    def add(self, other: Cell) -> None:
        self.target_m2 += other.target_m2
        self.in_progress_m2 += other.in_progress_m2
        self.completed_m2 += other.completed_m2


@dataclass
class Row:
    division: Division
    cells: list[Cell]
    total: Cell = field(default_factory=Cell)
    is_own: bool = False
    can_open: bool = False


@dataclass
class TaskTable:
    programme: Programme
    categories: list[Category]
    rows: list[Row]
    totals: list[Cell]
    grand_total: Cell

    def ranking(self) -> list[Row]:
        """Counties by share of their target completed, then in progress (best first)."""

        def key(row):
            t = row.total
            return (
                -(t.completed_m2 / t.target_m2) if t.target_m2 else 0,
                -(t.in_progress_m2 / t.target_m2) if t.target_m2 else 0,
            )

        return sorted((r for r in self.rows if r.total.target_m2), key=key)

    def chart_data(self) -> dict:
        """Series for the ECharts bar chart: target and completed per county, in 万m²."""
        return {
            "counties": [r.division.name for r in self.rows],
            "categories": [c.name for c in self.categories],
            "targets": [[round(cell.target_m2 / 10_000, 4) for cell in r.cells] for r in self.rows],
            "completed": [round(r.total.completed_m2 / 10_000, 4) for r in self.rows],
            "in_progress": [round(r.total.in_progress_m2 / 10_000, 4) for r in self.rows],
        }


def progress_table(programme: Programme, user) -> TaskTable:
    """The task table with progress, marked for what ``user`` may open."""
    categories = list(programme.categories.all())
    divisions = list(Division.objects.filter(parent=programme.city))
    targets = {(t.division_id, t.category_id): t.target_m2 for t in programme.targets.all()}
    progress = area_by_stage(programme)
    own = user.county.pk if user.county is not None else None
    rows, totals, grand = [], [Cell() for _ in categories], Cell()
    for division in divisions:
        cells = []
        for i, category in enumerate(categories):
            key = (division.pk, category.pk)
            in_progress, completed = progress.get(key, (0, 0))
            cell = Cell(targets.get(key, 0), in_progress, completed)
            cells.append(cell)
            totals[i].add(cell)
        row = Row(division, cells, is_own=division.pk == own, can_open=user.sees_division(division))
        for cell in cells:
            row.total.add(cell)
        grand.add(row.total)
        rows.append(row)
    return TaskTable(programme, categories, rows, totals, grand)
