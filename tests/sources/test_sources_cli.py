"""``nhp data check`` lists the shared folder and stops with one line (exit 2) on a broken file."""

from __future__ import annotations

import shutil

import pytest

from cli import main


@pytest.mark.realdata
def test_data_check_on_the_shared_folder(data_dir, capsys):
    assert main(["data", "check", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["dataset", "vintage", "rows", "file"]
    assert "gp_registrations" in out and "868,505" in out
    assert "missing: population_iod2025 — download: https://" in out


def test_data_check_on_a_folder_with_a_broken_file(tmp_path, capsys):
    good = (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01Jul2023,A81001,THE DENSHAM SURGERY,E01000001,ALL,9\n"
        "GP_PRAC_PAT_LIST,01Jul2023,A81001,THE DENSHAM SURGERY,E01000002,ALL,many\n"
    )
    (tmp_path / "registrations.csv").write_text(good)
    assert main(["data", "check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "registrations.csv, row 2, column 'NUMBER_OF_PATIENTS'" in err


def test_data_check_quick_lists_without_reading(tmp_path, capsys):
    src = tmp_path / "src.csv"
    src.write_text("lsoa21_code,ruc21_code,classification,ruc\nE01000001,UN1,Urban: Nearer to a major town,Urban\n")
    shutil.copy(src, tmp_path / "copy.txt")
    assert main(["data", "check", "--quick", str(tmp_path)]) == 0
    assert "rural_urban" in capsys.readouterr().out
