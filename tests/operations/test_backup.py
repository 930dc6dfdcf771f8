import io
import sqlite3

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Product
from operations.management.commands.restore import check_backup
from tests.catalog.factories import ProductFactory


def on_sqlite():
    from django.db import connection

    return connection.vendor == "sqlite"


@pytest.mark.django_db(transaction=True)  # a backup inside an open test transaction would wait for its lock
def test_on_postgresql_both_commands_print_the_pg_tools_instead(tmp_path):
    out = io.StringIO()
    if on_sqlite():
        with pytest.raises(CommandError, match="does not exist"):
            call_command("restore", str(tmp_path / "missing.dump"), "--yes", stdout=out)
        call_command("backup", str(tmp_path / "x.dump"), stdout=out)
        assert "backup written to" in out.getvalue()
    else:
        call_command("backup", str(tmp_path / "x.dump"), stdout=out)
        call_command("restore", str(tmp_path / "missing.dump"), "--yes", stdout=out)
        assert out.getvalue().count("pg_dump --format=custom") == 2
        assert not (tmp_path / "x.dump").exists()


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path):
    if not on_sqlite():  # PostgreSQL backups are pg_dump's job
        out = io.StringIO()
        call_command("backup", stdout=out)
        assert "pg_restore --clean --if-exists" in out.getvalue()
        return
    # given a product in a backup
    ProductFactory(sku="KEEP-1")
    target = tmp_path / "db.sqlite3"
    out = io.StringIO()
    call_command("backup", str(target), stdout=out)
    assert "backup written to" in out.getvalue()
    with sqlite3.connect(target) as check:
        assert check.execute("SELECT sku FROM catalog_product").fetchall() == [("KEEP-1",)]
    check.close()
    # when a later product is added and the backup is restored
    ProductFactory(sku="LOSE-1")
    call_command("restore", str(target), "--yes", stdout=io.StringIO())
    # then the database is as it was at backup time
    assert list(Product.objects.values_list("sku", flat=True)) == ["KEEP-1"]


@pytest.mark.django_db
def test_backup_refuses_to_overwrite(tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"old")
    if on_sqlite():
        with pytest.raises(CommandError, match="already exists"):
            call_command("backup", str(target), stdout=io.StringIO())
    else:
        call_command("backup", str(target), stdout=io.StringIO())
    assert target.read_bytes() == b"old"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_case", "message"),
    [("garbage", "is not a SQLite database"), ("foreign", "no django_migrations table")],
)
def test_restore_refuses_files_that_are_not_our_database(tmp_path, content_case, message):
    source = tmp_path / "bad.sqlite3"
    if content_case == "garbage":
        source.write_bytes(b"this is not sqlite at all" * 100)
    else:
        with sqlite3.connect(source) as db:
            db.execute("CREATE TABLE other (id integer)")
        db.close()
    with pytest.raises(CommandError, match=message):
        check_backup(source)


@pytest.mark.django_db
def test_backup_on_postgresql_prints_the_pg_dump_hint(settings):
    from operations.management.commands.backup import pg_hint

    hint = pg_hint({"NAME": "lm", "HOST": "db", "PORT": 5433, "USER": "app"})
    assert "pg_dump --format=custom --no-owner -h db -p 5433 -U app -f listing-manager.dump lm" in hint
    assert "pg_restore" in hint
