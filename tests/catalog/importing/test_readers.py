import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from catalog.importing.readers import (
    ENCRYPTION_MARK,
    OLE_MAGIC,
    UploadRefused,
    _read_openpyxl,
    detect_delimiter,
    inspect_upload,
    read_sheet,
)

from .conftest import write_csv, write_xlsx

# --- formats ---


@pytest.mark.parametrize(
    ("delimiter", "bom"),
    [(",", False), (";", False), (";", True), (",", True)],
    ids=["comma_case", "semicolon_case", "semicolon_bom_case", "comma_bom_case"],
)
def test_csv_delimiter_and_bom_are_detected(tmp_path, delimiter, bom):
    # given
    path = write_csv(tmp_path / "p.csv", [["SKU", "Title"], ["A-1", "Tea, green"]], delimiter=delimiter, bom=bom)

    # when
    assert inspect_upload(path, "p.csv") == "csv"
    sheet = read_sheet(path, "csv")

    # then: the BOM is not part of the first header, the comma inside a quoted title survives
    assert sheet.header == ["SKU", "Title"]
    assert sheet.rows == [(2, ["A-1", "Tea, green"])]


def test_detect_delimiter_uses_the_header_line():
    assert detect_delimiter("sku;title;price\nA;b,c;1") == ";"
    assert detect_delimiter("sku,title\nA;B,x") == ","


def test_xlsx_title_rows_merged_headers_blank_and_hidden_rows_formulas_and_types(tmp_path):
    # given a workbook with a merged title banner above the headers, a formula with a cached value, a date,
    # numbers stored as text, a hidden data row and trailing blank rows
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Spring catalogue"
    sheet.merge_cells("A1:D1")
    sheet.append(["  SKU ", "Price", "Launched", "Quantity"])
    sheet.append(["A-1", "19.90", dt.date(2026, 3, 1), "7"])
    sheet.append(["A-2", 5, dt.datetime(2026, 3, 2, 10, 30), 3])  # noqa: DTZ001 - Excel has no time zones
    sheet.row_dimensions[4].hidden = True
    sheet.append([None, None, None, None])
    sheet["A20"] = "  "
    workbook.save(tmp_path / "p.xlsx")

    # when
    result = read_sheet(tmp_path / "p.xlsx", "xlsx")

    # then the header row is found below the banner and the blank rows are gone
    assert result.header_row == 2
    assert result.header == ["SKU", "Price", "Launched", "Quantity"]
    assert [number for number, _ in result.rows] == [3, 4]
    assert result.rows[0][1][:2] == ["A-1", "19.90"]
    assert result.rows[0][1][2] == dt.date(2026, 3, 1)
    assert result.rows[1][1][1] == 5


def test_formula_cell_value_is_the_cached_result(tmp_path):
    # given a workbook whose formula cell carries the value Excel computed (as saved by Excel)
    path = write_xlsx(tmp_path / "f.xlsx", [["sku", "price"], ["A-1", 3]])
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.replace(
        '<c r="B2" t="n"><v>3</v></c>', '<c r="B2"><f>1+2</f><v>3</v></c>'
    ).encode()
    assert b"<f>1+2</f>" in parts["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    # when / then
    assert read_sheet(path, "xlsx").rows == [(2, ["A-1", 3.0])]


def _with_declared_dimension(path, ref):
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = xml.index("<dimension ref=")
    end = xml.index("/>", start) + 2
    parts["xl/worksheets/sheet1.xml"] = (xml[:start] + f'<dimension ref="{ref}"/>' + xml[end:]).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_wrong_declared_dimensions_are_ignored_by_both_readers(tmp_path):
    # given a 4-row file that declares 1,048,576 rows x 16,384 columns
    path = write_xlsx(tmp_path / "d.xlsx", [["sku"], ["A"], ["B"], ["C"]])
    _with_declared_dimension(path, "A1:XFD1048576")

    # when / then: calamine and the openpyxl fallback both see 3 data rows
    assert [r[0] for r in read_sheet(path, "xlsx").rows] == [2, 3, 4]
    assert [r[0] for r in _read_openpyxl(path, "").rows] == [2, 3, 4]


def test_openpyxl_fallback_reads_the_same_rows(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", [["sku", "price"], ["A-1", "1.50"], [None, None], ["A-2", 2]])
    result = _read_openpyxl(path, "")
    assert result.header == ["sku", "price"]
    assert result.rows == [(2, ["A-1", "1.50"]), (4, ["A-2", 2])]


def test_ods_is_read(tmp_path):
    # given an .ods written by tablib/odfpy
    import tablib

    data = tablib.Dataset(headers=["sku", "title", "price"])
    data.append(["O-1", "Odd", 4.5])
    path = tmp_path / "p.ods"
    path.write_bytes(data.export("ods"))

    # when
    assert inspect_upload(path, "p.ods") == "ods"
    result = read_sheet(path, "ods")

    # then
    assert result.header == ["sku", "title", "price"]
    assert result.rows == [(2, ["O-1", "Odd", 4.5])]


def test_only_the_first_sheet_unless_one_is_picked(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["sku"])
    workbook.active.append(["FIRST"])
    second = workbook.create_sheet("Second")
    second.append(["sku"])
    second.append(["SECOND"])
    workbook.save(tmp_path / "s.xlsx")

    assert read_sheet(tmp_path / "s.xlsx", "xlsx").rows == [(2, ["FIRST"])]
    assert read_sheet(tmp_path / "s.xlsx", "xlsx", "Second").rows == [(2, ["SECOND"])]
    with pytest.raises(UploadRefused, match="no sheet 'Third'; its sheets are: Sheet, Second"):
        read_sheet(tmp_path / "s.xlsx", "xlsx", "Third")


# --- upload safety: each refused before parsing, with a clear message ---


def test_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1000
    path = write_csv(tmp_path / "big.csv", [["sku"]] + [[f"S-{i}"] for i in range(300)])
    with pytest.raises(UploadRefused, match=r"The file is 0\.0 MB; the largest file accepted is 0\.0 MB"):
        inspect_upload(path, "big.csv")


def test_zip_bomb_by_uncompressed_size_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 50_000
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 1_000_000)
    assert path.stat().st_size < 10_000
    with pytest.raises(UploadRefused, match="unpacks to 1.0 MB; at most 0.0 MB is accepted"):
        inspect_upload(path, "bomb.xlsx")


def test_zip_with_too_many_entries_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_ZIP_ENTRIES = 10
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(11):
            archive.writestr(f"part{i}.xml", "<x/>")
    with pytest.raises(UploadRefused, match="has 11 parts; at most 10 are accepted"):
        inspect_upload(path, "many.xlsx")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("p.csv", b"PK\x03\x04rest", "named .csv but its content is a zip archive"),
        ("p.xlsx", b"sku,title\nA,B\n", "named .xlsx but its content is not a workbook"),
        ("p.xlsx", b"%PDF-1.7 ...", "named .xlsx but its content is a PDF document"),
        ("p.ods", b"\x89PNG\r\n\x1a\n....", "named .ods but its content is a PNG image"),
        ("p.xls", b"whatever", r"Old Excel 97-2003 files \(\.xls\) are not accepted"),
        ("p.txt", b"sku\nA\n", "Files of type '.txt' are not accepted"),
        ("p.xlsx", OLE_MAGIC + b"\x00" * 100, "is an old Excel 97-2003 workbook"),
        ("p.csv", b"sku,title\nA,\xff\xfe\n", "not UTF-8 text"),
        ("p.csv", b"sku\x00,title\n", "binary data"),
        ("p.xlsx", b"", "The file is empty"),
    ],
    ids=[
        "zip_named_csv_case",
        "text_named_xlsx_case",
        "pdf_named_xlsx_case",
        "png_named_ods_case",
        "xls_case",
        "txt_case",
        "legacy_ole_case",
        "latin1_csv_case",
        "nul_csv_case",
        "empty_case",
    ],
)
def test_extension_and_magic_bytes_must_agree(tmp_path, filename, content, message):
    path = tmp_path / filename
    path.write_bytes(content)
    with pytest.raises(UploadRefused, match=message):
        inspect_upload(path, filename)


def test_password_protected_workbook_is_refused(tmp_path):
    # given an encrypted OOXML file: an OLE container with an EncryptionInfo stream
    path = tmp_path / "secret.xlsx"
    path.write_bytes(OLE_MAGIC + b"\x00" * 500 + ENCRYPTION_MARK + b"\x00" * 500)
    with pytest.raises(UploadRefused, match="password-protected"):
        inspect_upload(path, "secret.xlsx")


def test_corrupt_workbook_is_refused(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"garbage" * 50)
    with pytest.raises(UploadRefused, match="corrupt"):
        inspect_upload(path, "broken.xlsx")


def test_ods_renamed_to_xlsx_is_refused(tmp_path):
    import tablib

    data = tablib.Dataset(headers=["sku"])
    path = tmp_path / "p.xlsx"
    path.write_bytes(data.export("ods"))
    with pytest.raises(UploadRefused, match="OpenDocument"):
        inspect_upload(path, "p.xlsx")


def test_xml_entity_declaration_is_refused(tmp_path):
    # given an xlsx whose sheet declares entities (billion laughs)
    path = write_xlsx(tmp_path / "p.xlsx", [["sku"], ["A"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>' + data
            dst.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UploadRefused, match="declares XML entities"):
        inspect_upload(path, "p.xlsx")


def test_more_rows_than_allowed_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["sku"]] + [[f"S-{i}"] for i in range(4)]
    with pytest.raises(UploadRefused, match="has 4 data rows; at most 3 are accepted"):
        read_sheet(write_xlsx(tmp_path / "p.xlsx", rows), "xlsx")
    with pytest.raises(UploadRefused, match="has 4 data rows; at most 3 are accepted"):
        read_sheet(write_csv(tmp_path / "p.csv", rows), "csv")
