"""Excel in and out for the survey: the Chinese template, reading an upload
strictly, exports that cannot carry formulas, and the per-row error report."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jigai.stock.schema import Column, columns, neutralise

SHEET = "楼栋调查表"
HELP_SHEET = "填表说明"
KIND_ZH = {"text": "文本", "int": "整数", "decimal": "数值", "bool": "是/否", "choice": "选项"}


@dataclass(frozen=True)
class CellError:
    row: int  # the spreadsheet's row number (header = 1); 0 for the whole file
    column: str  # the column's Chinese header, or "" for the whole file/row
    message: str


class WorkbookRejected(Exception):
    """The file as a whole cannot be read (size, format, layout)."""

    def __init__(self, errors: list[CellError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


def template() -> bytes:
    """The survey template: headers, dropdowns for the choice columns, and a help sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    cols = columns()
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(col.header) * 2 + 2)
        if col.choices:
            labels = ",".join(label for _value, label in col.choices)
            if len(labels) < 250:  # Excel's limit for an inline list
                dv = DataValidation(
                    type="list", formula1=f'"{labels}"', allow_blank=not col.required
                )
                dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}20000")
                ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.append(["列名", "必填", "类型", "单位", "可选值", "范围", "说明"])
    for cell in help_ws[1]:
        cell.font = bold
    for col in cols:
        help_ws.append(
            [
                col.header,
                "是" if col.required else "否",
                KIND_ZH[col.kind],
                col.unit,
                "、".join(label for _v, label in col.choices),
                _range_text(col),
                col.help_zh,
            ]
        )
    for letter, width in zip("ABCDEFG", (24, 6, 8, 6, 60, 16, 40), strict=True):
        help_ws.column_dimensions[letter].width = width
        for cell in help_ws[letter]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _save(wb)


def _range_text(col: Column) -> str:
    if col.minimum is None and col.maximum is None:
        return f"≤{col.max_length}字" if col.max_length else ""
    return f"{col.minimum:g} ~ {col.maximum:g}"


def read(data: bytes, *, max_bytes: int) -> list[tuple[int, dict[str, object]]]:
    """Rows of an uploaded survey workbook as (row number, {column key: raw value}).

    Refuses the whole file — with every layout problem named — when it is too
    large, not an .xlsx, has merged cells, formulas, or unknown/missing columns.
    """
    if len(data) > max_bytes:
        raise WorkbookRejected(
            [
                CellError(
                    0,
                    "",
                    _("The file is %(size).1f MB, more than the limit of %(max).0f MB")
                    % {"size": len(data) / 1e6, "max": max_bytes / 1e6},
                )
            ]
        )
    try:
        wb = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a non-xlsx file
        raise WorkbookRejected(
            [
                CellError(
                    0,
                    "",
                    _("Not readable as an Excel (.xlsx) file: %(err)s")
                    % {"err": type(exc).__name__},
                )
            ]
        ) from exc
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    errors: list[CellError] = []
    for merged in ws.merged_cells.ranges:
        errors.append(
            CellError(
                merged.min_row,
                "",
                _("Merged cells %(range)s: unmerge them and import again")
                % {"range": merged.coord},
            )
        )
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))] if ws.max_row >= 1 else []
    while header and header[-1] in (None, ""):
        header.pop()
    by_header = {col.header: col for col in columns()}
    keys: list[str | None] = []
    for j, name in enumerate(header, start=1):
        col = by_header.get(str(name).strip()) if name is not None else None
        if col is None:
            errors.append(
                CellError(
                    1,
                    str(name or ""),
                    _("Column %(letter)s “%(name)s” is not a column of the template (extra column)")
                    % {"letter": get_column_letter(j), "name": name},
                )
            )
        keys.append(col.key if col else None)
    for col in columns():
        if col.required and col.key not in keys:
            errors.append(
                CellError(
                    1,
                    col.header,
                    _("The required column “%(name)s” is missing") % {"name": col.header},
                )
            )
    if len([k for k in keys if k]) != len({k for k in keys if k}):
        errors.append(CellError(1, "", _("A column appears twice in the header")))
    rows: list[tuple[int, dict[str, object]]] = []
    for r, cells in enumerate(ws.iter_rows(min_row=2, max_col=len(keys)), start=2):
        values = {}
        for key, cell in zip(keys, cells, strict=False):
            if cell.data_type == "f":
                errors.append(
                    CellError(
                        r,
                        cell.column_letter,
                        _("Cell %(cell)s holds a formula: paste it as a value")
                        % {"cell": cell.coordinate},
                    )
                )
            if key:
                values[key] = cell.value
        if any(v not in (None, "") for v in values.values()):
            rows.append((r, values))
    if errors:
        raise WorkbookRejected(errors)
    return rows


def write_table(title: str, header: list[str], rows) -> bytes:
    """A one-sheet workbook (write-only, so large exports stay fast), every text neutralised."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append([neutralise(v) for v in row])
    return _save(wb)


def error_report(errors: list[CellError]) -> bytes:
    return write_table(
        _("Errors"),
        [_("Row"), _("Column"), _("Problem")],
        ((e.row or "", e.column, e.message) for e in errors),
    )


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def survey_workbook(rows) -> bytes:
    """Rows ({column key: value}) as a workbook in the template's layout, so that an
    export can be edited and imported again."""
    cols = columns()
    labels = {c.key: dict(c.choices) for c in cols if c.choices}

    def cell(col: Column, value):
        if value is None or value == "":
            return None
        if col.kind == "bool":
            return "是" if value else "否"
        if col.key in labels:
            return labels[col.key].get(str(value), value)
        if col.kind == "decimal":
            return float(value)
        return value

    return write_table(
        SHEET, [c.header for c in cols], ([cell(c, row.get(c.key)) for c in cols] for row in rows)
    )
