"""Spreadsheet import and export of the catalog: safety checks, fast reading, bulk validation, undo."""
