"""The comparison table as a spreadsheet (openpyxl): the same numbers as the API, one sheet per lot. Every row is
written through procurement.spreadsheets, so that no text (a provider's name, the call's title) becomes a formula."""

import io
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from procurement.spreadsheets import append_row


def comparison_workbook(*, tender, results) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    by_lot: dict[int, list] = {}
    for result in results:
        by_lot.setdefault(result.lot.number, []).append(result)
    headers = [
        _("Rank"),
        _("Provider"),
        _("Business ID"),
        _("Comparison price"),
        _("Price points"),
        _("Quality points"),
        _("Total points"),
    ]
    for number, rows in sorted(by_lot.items()):
        sheet = workbook.create_sheet(title=f"{_('Lot')} {number}"[:31])
        lot = rows[0].lot
        # The sheet in the user's language: a lot's Swedish title when written (the call's language otherwise).
        lot_title = (lot.title_sv if (get_language() or "").startswith("sv") else "") or lot.title
        append_row(sheet, [f"{tender.title} – {_('Lot')} {number}: {lot_title}"])
        sheet["A1"].font = Font(bold=True)
        append_row(sheet, headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for result in rows:
            provider = result.lot_offer.bid.provider
            append_row(
                sheet,
                [
                    result.rank,
                    provider.name,
                    provider.business_id,
                    Decimal(result.lot_offer.comparison_price),
                    Decimal(result.price_points),
                    Decimal(result.quality_points),
                    Decimal(result.total_points),
                ],
            )
        for column, width in zip("ABCDEFG", (8, 40, 14, 18, 14, 14, 14), strict=True):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=3, min_col=4, max_col=7):
            for cell in row:
                cell.number_format = "#,##0.00"
    if not workbook.sheetnames:
        workbook.create_sheet(title=_("Results"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
