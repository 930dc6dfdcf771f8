"""Rank-tracker files into a listing's keywords (docs/analytics.md#rank-tracker-files): organic and sponsored
rank from a CSV or XLSX like Helium 10's Keyword Tracker export, bad rows refused with their row number, ">306"
stored empty with a note; the tab shows the ranks and the API gives them."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from analytics.keyword_ranks import parse_rank
from analytics.models import Keyword, KeywordSource
from analytics.services.keyword_rank_imports import keyword_ranks_import
from analytics.services.keywords import keyword_add

from .conftest import KETTLE_ASIN

pytestmark = pytest.mark.django_db

HEADER = "Keyword,Marketplace,ASIN,Search Volume,Organic Rank,Sponsored Position,Date Added\n"


def write(tmp_path, text, name="tracker.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(listing, path, name=None):
    return keyword_ranks_import(listing=listing, path=path, filename=name or path.name)


def test_csv_fills_organic_and_sponsored_rank_and_volume(kettle, tmp_path):
    keyword_add(listing=kettle, keyword="Electric Kettle", source=KeywordSource.TITLE, search_volume=10)
    path = write(tmp_path, HEADER + f"electric kettle,US,{KETTLE_ASIN},\"12,400\",7,3,2026-11-01\n"
                                    f"tea kettle,US,{KETTLE_ASIN},5100,42,,2026-11-01\n")  # fmt: skip

    result = run(kettle, path)

    assert (result.rows, result.created, result.updated, result.errors, result.notes) == (2, 1, 1, [], [])
    rows = {k.keyword_normalized: k for k in Keyword.objects.filter(listing=kettle)}
    old = rows["electric kettle"]
    assert (old.organic_rank, old.sponsored_rank, old.search_volume, old.source) == (7, 3, 12400, KeywordSource.TITLE)
    new = rows["tea kettle"]
    assert (new.organic_rank, new.sponsored_rank, new.search_volume) == (42, None, 5100)
    assert (new.source, new.is_tracked, new.keyword) == (KeywordSource.MANUAL, True, "tea kettle")


def test_beyond_the_tracked_depth_is_stored_empty_with_a_note(kettle, tmp_path):
    keyword_add(listing=kettle, keyword="kettle", organic_rank=12)
    path = write(tmp_path, "Keyword,Organic Rank,Sponsored Position\nkettle,>306,> 96\n")

    result = run(kettle, path)

    assert result.notes == [
        "Row 2 ('kettle'): Organic Rank '>306' is beyond the tracked depth (306), stored as "
        "empty; Sponsored Position '>96' is beyond the tracked depth (96), stored as empty."
    ]
    keyword = Keyword.objects.get(listing=kettle)
    assert (keyword.organic_rank, keyword.sponsored_rank) == (None, None)  # no longer at 12


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("kettle,abc,1", "Row 2 ('kettle'): Organic Rank 'abc' is not a whole number."),
        ("kettle,-3,1", "Row 2 ('kettle'): Organic Rank must be 1 or more (got -3)."),
        ("kettle,0,1", "Row 2 ('kettle'): Organic Rank must be 1 or more (got 0)."),
        ("kettle,2.5,1", "Row 2 ('kettle'): Organic Rank '2.5' is not a whole number."),
        ("kettle,4,x9", "Row 2 ('kettle'): Sponsored Position 'x9' is not a whole number."),
        ("!!!,4,1", "Row 2 ('!!!'): A keyword needs at least one letter or digit; '!!!' is only punctuation."),
        (",4,1", "Row 2 (''): Enter a keyword."),
    ],
    ids=[
        "text_case",
        "negative_case",
        "zero_case",
        "fraction_case",
        "sponsored_case",
        "punctuation_case",
        "empty_case",
    ],  # fmt: skip
)
def test_a_bad_row_is_refused_with_its_number_and_the_others_are_stored(kettle, tmp_path, line, message):
    path = write(tmp_path, f"Keyword,Organic Rank,Sponsored Position\n{line}\ntea kettle,5,\n")

    result = run(kettle, path)

    assert result.errors == [message]
    assert list(Keyword.objects.filter(listing=kettle).values_list("keyword_normalized", "organic_rank")) == [
        ("tea kettle", 5)
    ]


def test_a_row_of_another_asin_and_a_repeated_keyword(kettle, tmp_path):
    path = write(tmp_path, "ASIN,Keyword,Organic Rank\nB0OTHER001,kettle,4\n"
                           f"{KETTLE_ASIN},Kettle,9\n{KETTLE_ASIN},KETTLE,8\n")  # fmt: skip

    result = run(kettle, path)

    assert result.errors == [f"Row 2 ('kettle'): ASIN B0OTHER001 is not this listing's ({KETTLE_ASIN})."]
    assert result.notes == ["Row 4 ('KETTLE'): the same keyword as row 3; row 4 is used."]
    assert list(Keyword.objects.filter(listing=kettle).values_list("keyword", "organic_rank")) == [("KETTLE", 8)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ranks.csv", "Term,Rank\nkettle,4\n", "No header row with a 'Keyword' column in the first 10 rows."),
        ("ranks.csv", "Keyword,Search Volume\nkettle,40\n", "no 'Organic Rank' and no 'Sponsored Position' column"),
        ("ranks.pdf", "Keyword,Organic Rank\n", "Files of type '.pdf' are not accepted"),
        ("ranks.csv", "", "The file is empty."),
    ],
    ids=["no_header_case", "no_rank_column_case", "pdf_case", "empty_case"],
)
def test_an_unusable_file_is_refused_whole_on_file(kettle, tmp_path, name, content, message):
    keyword_add(listing=kettle, keyword="kettle", organic_rank=12)
    path = write(tmp_path, content, name)

    with pytest.raises(ValidationError) as caught:
        run(kettle, path)

    assert message in caught.value.message_dict["file"][0]
    assert Keyword.objects.get(listing=kettle).organic_rank == 12  # nothing changed


def test_xlsx_with_a_title_row_and_numeric_cells(kettle, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Keyword Tracker export"])
    sheet.append(["Keyword", "Search Volume", "Organic Rank", "Sponsored Position"])
    sheet.append(["electric kettle", 12400, 7.0, ">306"])
    sheet.append(["glass kettle", None, 15, 2])
    path = tmp_path / "tracker.xlsx"
    book.save(path)

    result = run(kettle, path)

    assert (result.created, result.errors, len(result.notes)) == (2, [], 1)
    assert "Row 3 ('electric kettle')" in result.notes[0]
    rows = dict(Keyword.objects.filter(listing=kettle).values_list("keyword", "organic_rank"))
    assert rows == {"electric kettle": 7, "glass kettle": 15}


def test_parse_rank_reads_positions_depths_and_blanks():
    assert parse_rank("1,204", "Organic Rank") == (1204, None)
    assert parse_rank(" >306 ", "Organic Rank") == (None, 306)
    assert parse_rank("-", "Organic Rank") == (None, None)
    assert parse_rank(None, "Organic Rank") == (None, None)
    with pytest.raises(ValueError, match="not a whole number"):
        parse_rank(True, "Organic Rank")


# --- the tab and the API ---


def upload(client, listing, text, name="tracker.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}
    return client.post(f"/analytics/listings/{listing.pk}/keywords/ranks/", data, follow=True)


def test_tab_imports_a_file_and_shows_the_ranks_and_messages(editor_client, kettle):
    response = upload(
        editor_client, kettle, "Keyword,Organic Rank,Sponsored Position\nkettle,3,>96\ntea kettle,abc,1\n"
    )

    page = response.content.decode()
    assert "Ranks imported from tracker.csv: 1 keyword(s) added, 0 updated, 1 row(s) refused." in page
    assert "Row 2 (&#x27;kettle&#x27;): Sponsored Position &#x27;&gt;96&#x27; is beyond the tracked depth" in page
    assert "Row 3 (&#x27;tea kettle&#x27;): Organic Rank &#x27;abc&#x27; is not a whole number." in page
    row = page.split('data-keyword="kettle"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-organic-rank>#3</td>' in row
    assert '<td class="num" data-sponsored-rank>—</td>' in row


def test_tab_refuses_a_bad_file_with_a_message_and_a_viewer_cannot_import(editor_client, viewer_client, kettle):
    page = upload(editor_client, kettle, "Term\nkettle\n").content.decode()
    assert "tracker.csv was not imported: No header row with a &#x27;Keyword&#x27; column" in page

    response = upload(viewer_client, kettle, "Keyword,Organic Rank\nkettle,3\n")
    assert response.status_code == 403
    assert not Keyword.objects.exists()


def test_api_gives_both_ranks_and_refuses_a_zero_rank(viewer_api, editor_user, token_client_for, kettle, tmp_path):
    run(kettle, write(tmp_path, "Keyword,Organic Rank,Sponsored Position\nkettle,3,11\n"))

    [row] = viewer_api.get("/api/v1/keywords/", {"listing": kettle.pk}).json()["results"]
    assert (row["organic_rank"], row["sponsored_rank"]) == (3, 11)

    editor = token_client_for(editor_user)
    response = editor.patch(f"/api/v1/keywords/{row['id']}/", {"organic_rank": 0}, format="json")
    assert response.status_code == 400
    assert "organic_rank is a position in the results, 1 or more (got 0)." in str(response.json())
    assert Keyword.objects.get().organic_rank == 3


def test_csv_import_is_readable_as_bytes_with_a_bom(kettle, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(io.BytesIO("\ufeffKeyword;Organic Rank\nkettle;4\n".encode()).getvalue())

    result = run(kettle, path)

    assert (result.created, Keyword.objects.get().organic_rank) == (1, 4)
