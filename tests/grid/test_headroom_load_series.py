"""Reading messy system-load files: every repair reported, bad input named by row and column."""

import numpy as np
import pytest

from grid.load_series import LoadSeriesError, read_load_csv, read_load_csv_file


def test_it_sorts_averages_duplicates_and_fills_gaps_with_a_report():
    text = "Datetime,MW\n2020-01-01 02:00,30\n2020-01-01 00:00,10\n2020-01-01 00:00,14\n"
    text += "2020-01-01 04:00,50\n2020-01-01 05:00,60\n"
    series = read_load_csv(text)
    assert series.load_mw.tolist() == [12.0, 21.0, 30.0, 40.0, 50.0, 60.0]
    assert series.observed.tolist() == [True, False, True, False, True, True]
    report = series.report
    assert report.unsorted_rows == 1 and report.duplicate_timestamps == 1 and report.gap_hours_filled == 2
    assert [(g.start, g.hours) for g in report.gaps] == [("2020-01-01T01", 1), ("2020-01-01T03", 1)]


def test_it_averages_15_minute_data_to_hours():
    text = "time,load\n" + "".join(
        f"01/02/2021 00:{m:02d},{v}\n" for m, v in zip((0, 15, 30, 45), (1, 2, 3, 4), strict=True)
    )
    text += "".join(f"01/02/2021 01:{m:02d},{v}\n" for m, v in zip((0, 15, 30, 45), (5, 5, 5, 5), strict=True))
    series = read_load_csv(text)
    assert series.load_mw.tolist() == [2.5, 5.0]
    assert series.report.source_interval_minutes == 15
    assert str(series.time[0]) == "2021-02-01T00"  # day-first dd/mm/yyyy


def test_it_names_the_row_and_column_of_bad_values():
    with pytest.raises(LoadSeriesError, match=r"row 3, column 'MW'"):
        read_load_csv("Datetime,MW\n2020-01-01 00:00,1\n2020-01-01 01:00,abc\n")
    with pytest.raises(LoadSeriesError, match=r"row 2, column 'Datetime'"):
        read_load_csv("Datetime,MW\nyesterday,1\n2020-01-01 01:00,2\n")
    with pytest.raises(LoadSeriesError, match="pass --load-column"):
        read_load_csv("Datetime,A,B\n2020-01-01 00:00,1,2\n2020-01-01 01:00,1,2\n")


def test_it_reads_the_quarter_hourly_eirgrid_file_with_its_dst_hours(reference_dir):
    series = read_load_csv_file(
        reference_dir / "hourly" / "load" / "EirGrid_System-Data-Qtr-Hourly-2017.csv", load_column="IE Demand"
    )
    assert series.report.source_interval_minutes == 15
    assert series.time.size == 8760
    assert series.report.gap_hours_filled == 1 and series.report.duplicate_timestamps == 1  # spring and autumn DST
    assert 2000 < np.mean(series.load_mw) < 4000  # Ireland's mean demand ≈3 GW


def test_it_cuts_one_complete_year_of_8760_hours_for_the_grid_stage(reference_dir):
    from grid.load_series import hourly_year

    series = read_load_csv_file(reference_dir / "hourly" / "load" / "DOM_hourly.csv")
    load, year = hourly_year(series)
    assert year == 2017 and load.shape == (8760,)
    leap, _ = hourly_year(series, year=2016)  # 29 Feb dropped
    assert leap.shape == (8760,)
    with pytest.raises(LoadSeriesError, match="year 2018 is not complete"):
        hourly_year(series, year=2018)
