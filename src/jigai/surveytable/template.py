"""The survey template: the workbook a county fills in — the columns in order with their
units, required columns marked, drop-down lists for choices, and a sheet explaining every
column (required, type, unit, allowed values, range)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jigai.surveytable.reader import SHEET
from jigai.surveytable.schema import Column, columns

HELP_SHEET = "填表说明"
KIND_ZH = {"text": "文本", "int": "整数", "decimal": "数值", "bool": "是/否", "choice": "选项"}


def template() -> bytes:
    """The survey template as .xlsx bytes."""
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
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _range_text(col: Column) -> str:
    if col.minimum is None and col.maximum is None:
        return f"≤{col.max_length}字" if col.max_length else ""
    return f"{col.minimum:g} ~ {col.maximum:g}"
