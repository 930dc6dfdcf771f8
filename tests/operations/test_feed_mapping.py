"""The mapping transforms and the format readers, without a server or a database."""

import pytest
from openpyxl import Workbook

from operations.feeds.mapping import MappingError, cron_check, map_row, mapping_check
from operations.feeds.parsing import FormatError, parse_feed


def one(spec, row):
    mapped, problems = map_row({"x": spec}, row)
    return mapped["x"], problems


@pytest.mark.parametrize(
    ("spec", "row", "expected"),
    [
        ({"from": "a"}, {"a": "v"}, "v"),
        ({"from": "a", "transform": "rename"}, {"a": "v"}, "v"),
        ({"transform": {"type": "constant", "value": "USD"}}, {}, "USD"),
        ({"from": "a", "transform": {"type": "split", "separator": "|", "index": 1}}, {"a": "x | y | z"}, "y"),
        ({"from": "a", "transform": {"type": "split", "separator": "|", "index": 5}}, {"a": "x|y"}, ""),
        ({"from": ["a", "b"], "transform": {"type": "join", "separator": " "}}, {"a": "HP", "b": "410A"}, "HP 410A"),
        ({"from": "a", "transform": {"type": "unit", "from_unit": "lb", "to_unit": "g"}}, {"a": "2"}, "907"),
        ({"from": "a", "transform": {"type": "unit", "from_unit": "kg", "to_unit": "g"}}, {"a": "1,5"}, "1500"),
        ({"from": "a", "transform": {"type": "unit", "from_unit": "oz", "to_unit": "g"}}, {"a": ""}, ""),
        (
            {"from": "a", "transform": {"type": "category_map", "separator": "/", "table": {"A/B": "Ours > B"}}},
            {"a": " A / B "},
            "Ours > B",
        ),
        (
            {"from": "a", "transform": {"type": "category_map", "table": {}, "keep_unmapped": False}},
            {"a": "Z"},
            "",
        ),
        (
            {"from": "a", "transform": {"type": "price", "markup_percent": 10, "rounding": "0.05"}},
            {"a": "9.99"},
            "11.00",
        ),
        ({"from": "a", "transform": {"type": "price", "add": 1, "rounding": "1"}}, {"a": "10.40"}, "11.00"),
        ({"from": "a", "transform": {"type": "price", "rounding": "0.99"}}, {"a": "12.20"}, "12.99"),
        ({"from": "a", "transform": {"type": "price", "rounding": "0.99"}}, {"a": "12.00"}, "11.99"),
        (
            {
                "from": "a",
                "transform": [
                    {"type": "split", "separator": ";", "index": 0},
                    {"type": "price", "markup_percent": 100},
                ],
            },
            {"a": "5;6"},
            "10.00",
        ),
    ],
)
def test_transforms(spec, row, expected):
    mapping_check({"sku": {"from": "s"}, "title": spec})
    assert one(spec, row) == (expected, [])


def test_a_cell_a_transform_cannot_handle_is_left_empty_with_a_problem():
    value, problems = one({"from": "a", "transform": {"type": "price", "markup_percent": 5}}, {"a": "call us"})
    assert value == ""
    assert problems == ["x: price: 'call us' is not a number"]


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ([], "must be an object"),
        ({"title": {"from": "a"}}, "must fill the sku column"),
        ({"sku": {"from": "a"}, "colour": {"from": "b"}}, "'colour' is not an import column"),
        ({"sku": "a"}, "must be an object with 'from'"),
        ({"sku": {}}, "say which supplier column"),
        ({"sku": {"from": "a", "transform": {"type": "unit", "from_unit": "stone"}}}, "from_unit and to_unit"),
        ({"sku": {"from": "a", "transform": {"type": "price", "rounding": "0.3"}}}, "price rounding"),
        ({"sku": {"from": "a", "transform": {"type": "price", "markup_percent": "lots"}}}, "must be numbers"),
    ],
)
def test_bad_mappings(mapping, words):
    with pytest.raises(MappingError, match=words):
        mapping_check(mapping)


def test_attribute_columns_and_unknown_file_columns():
    mapping_check({"sku": {"from": "a"}, "attr:material": {"from": "m"}})
    with pytest.raises(MappingError, match="the file has no column 'm'"):
        mapping_check({"sku": {"from": "a"}, "attr:material": {"from": "m"}}, ["a", "b"])


def test_cron():
    cron_check("0 3 * * *")
    cron_check("")
    with pytest.raises(MappingError, match="is not a cron expression"):
        cron_check("61 * * * *")


def test_xml_json_xlsx_readers(tmp_path):
    xml = tmp_path / "f.xml"
    xml.write_text('<catalog><products><product id="7"><sku>A-1</sku><name>Pen</name></product></products></catalog>')
    assert parse_feed(xml, "xml", "catalog/products/product") == (
        ["id", "sku", "name"],
        [{"id": "7", "sku": "A-1", "name": "Pen"}],
    )
    with pytest.raises(FormatError, match="no element at record path 'items/item'"):
        parse_feed(xml, "xml", "items/item")

    data = tmp_path / "f.json"
    data.write_text('[{"sku": "J-1", "dims": {"w": 1}}]')
    assert parse_feed(data, "json") == (["sku", "dims"], [{"sku": "J-1", "dims": '{"w": 1}'}])
    with pytest.raises(FormatError, match="no 'data' on record path"):
        parse_feed(data, "json", "data.items")

    book = Workbook()
    book.active.append(["sku", "price"])
    book.active.append(["X-1", 9.5])
    book.active.append([None, None])
    path = tmp_path / "f.xlsx"
    book.save(path)
    assert parse_feed(path, "xlsx") == (["sku", "price"], [{"sku": "X-1", "price": 9.5}])
    with pytest.raises(FormatError, match="not a valid JSON file"):
        parse_feed(path, "json")
    with pytest.raises(FormatError, match="not a valid XML file"):
        parse_feed(data, "xml", "a/b")
