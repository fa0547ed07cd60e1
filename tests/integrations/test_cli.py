"""``soloops import`` in-process: the report on stdout, exit codes, nothing written by a dry
run or by an all-or-nothing import of a file with bad rows."""

import pytest

from soloops.catalog.models import Variant
from soloops.cli import main
from tests.integrations.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def test_a_dry_run_prints_the_bad_rows_and_writes_nothing(capsys):
    code = main(["import", "products", str(FIXTURES / "products_two_bad.csv"), "--dry-run"])

    out = capsys.readouterr().out
    assert code == 1
    assert "4 rows: would create 2, update 0, unchanged 0, bad 2" in out
    assert "line 3, price: '12.5.0' is not a number" in out
    assert not Variant.objects.exists()


def test_an_import_with_bad_rows_writes_nothing_unless_told_to_skip_them(capsys):
    path = str(FIXTURES / "products_two_bad.csv")
    assert main(["import", "products", path]) == 1
    assert "2 bad rows; nothing was imported" in capsys.readouterr().err
    assert not Variant.objects.exists()

    assert main(["import", "products", path, "--skip-bad-rows"]) == 0
    assert "rejected rows:" in capsys.readouterr().out
    assert Variant.objects.count() == 2


def test_a_gbk_file_imports_and_again_changes_nothing(capsys):
    path = str(FIXTURES / "products_gbk.csv")
    assert main(["import", "products", path]) == 0
    assert "created 2" in capsys.readouterr().out
    assert main(["import", "products", path]) == 0
    assert "created 0, update 0, unchanged 2" in capsys.readouterr().out


def test_an_unreadable_file_is_one_line_and_exit_1(capsys, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert main(["import", "customers", str(empty)]) == 1
    assert capsys.readouterr().err.strip() == "soloops: error: file: the file is empty"


def test_export_writes_a_file_that_imports_back_unchanged(capsys, tmp_path):
    main(["import", "products", str(FIXTURES / "products_gbk.csv")])
    out = tmp_path / "products.xlsx"

    assert main(["export", "products", "--format", "xlsx", "--output", str(out)]) == 0
    assert main(["import", "products", str(out)]) == 0
    assert "created 0, update 0, unchanged 2" in capsys.readouterr().out
