"""Spreadsheets that the system writes: every text cell is text, never a formula, whoever typed the text."""

from collections.abc import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

# What makes a spreadsheet read typed-in text as a formula (OWASP, CSV injection): = + - @, and a tab or a carriage
# return in front of them.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet, text: str) -> Cell:
    """A cell that holds the text as text. openpyxl would write any string that starts with "=" as a formula
    (`=HYPERLINK("http://…"&D4,"x")` as a provider's name sends the cell next to it away when clicked); here the
    type is text whatever the string, and a string that a spreadsheet would take for a formula when the cell is
    edited gets the quote prefix, Excel's own mark (a hidden apostrophe) that the text is to stay text."""
    cell = Cell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def append_row(sheet, values: Iterable) -> None:
    """Append a row to the sheet: strings as text cells (`text_cell`), numbers and everything else as they are."""
    sheet.append([text_cell(sheet, value) if isinstance(value, str) else value for value in values])
