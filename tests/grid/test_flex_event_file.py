"""An uploaded event schedule: rows → (start hour, duration, cap MW, reduction), errors naming the line
and the column, and the hours it gives the signal."""

import numpy as np
import pytest

from grid.flex import signals
from grid.flex.event_file import MAX_EVENTS, EventFileError, read_event_csv


def test_dates_and_hours_of_the_year_give_the_same_events():
    by_date = read_event_csv("start,duration_h,reduction_frac\n2030-07-15 14:00,3,0.25\n2030-01-01T00:00,1,0.5\n")
    by_hour = read_event_csv("Start_Hour,duration_h,reduction_frac,cap_mw\n4670,3,0.25,\n0,1,0.5,\n")
    # 15 July is day 195 of a 365-day year (31+28+31+30+31+30+14), hour 14 → 195 × 24 + 14 = 4694
    assert by_date[0, :2].tolist() == [4694, 3] and by_date[1, :2].tolist() == [0, 1]
    assert by_hour[:, :2].tolist() == [[4670, 3], [0, 1]] and np.isnan(by_hour[:, 2]).all()


def test_a_leap_year_drops_29_february_and_refuses_it():
    march = read_event_csv("start,duration_h,cap_mw\n2028-03-01 00:00,2,40\n")
    assert march[0].tolist()[:3] == [59 * 24, 2, 40.0] and np.isnan(march[0, 3])
    with pytest.raises(EventFileError, match=r"line 2, column 'start': 29 February"):
        read_event_csv("start,duration_h,cap_mw\n2028-02-29 10:00,2,40\n")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("start_hour,duration_h,cap_mw\n10,2,40\n11,x,40\n", "line 3, column 'duration_h': 'x' is not a number"),
        ("start_hour,duration_h,cap_mw\n8760,2,40\n", "line 2, column 'start_hour': '8760' is not a whole hour"),
        ("start_hour,duration_h,cap_mw\n10,1.5,40\n", "line 2, column 'duration_h': '1.5' is not a whole number"),
        ("start_hour,duration_h,cap_mw,reduction_frac\n10,2,40,0.2\n", "line 2: give exactly one of cap_mw"),
        ("start_hour,duration_h,reduction_frac\n10,2,1.5\n", "line 2, column 'reduction_frac': 1.5 is outside"),
        ("start_hour,duration_h,cap_mw\n10,2,nan\n", "line 2, column 'cap_mw': 'nan' is not a finite number"),
        ("start,duration_h,cap_mw\n15/07/2030,2,4\n", "line 2, column 'start': '15/07/2030' is not a date"),
        ("start,duration_h,cap_mw\n2030-07-15 14:30,2,4\n", "does not start on the hour"),
        ("when,duration_h,cap_mw\n1,2,3\n", "line 1: give one start column"),
        ("start_hour,cap_mw\n1,3\n", "line 1: no column 'duration_h'"),
        ("start_hour,duration_h\n1,3\n", "line 1: give a column 'cap_mw' [MW] or 'reduction_frac'"),
        ("start_hour,duration_h,cap_mw\n", "a header but no events"),
        ("\n\n", "the file is empty"),
    ],
)
def test_a_bad_row_is_refused_naming_the_line_and_the_column(text, words):
    with pytest.raises(EventFileError, match=None) as caught:
        read_event_csv(text)
    assert words in str(caught.value)


def test_the_file_is_bounded_to_the_schema_s_event_count():
    rows = "\n".join(f"{i % 8760},1,10" for i in range(MAX_EVENTS + 1))
    with pytest.raises(EventFileError, match=f"more than {MAX_EVENTS:,} events"):
        read_event_csv("start_hour,duration_h,cap_mw\n" + rows)


def test_the_read_events_make_the_signal_the_typed_ones_do():
    table = read_event_csv("start_hour,duration_h,cap_mw,reduction_frac\n100,3,60,\n101,4,,0.5\n")
    baseline = np.full(8760, 100.0)

    def blank(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    events = [
        signals.ScheduledEvent(start_hour=int(s), duration_h=int(d), cap_mw=blank(c), reduction_frac=blank(r))
        for s, d, c, r in table
    ]
    cap = signals.schedule(events=events, baseline_mw=baseline).cap_mw
    # 100: 60 MW; 101–102: min(60, 50) = 50; 103–104: 50 MW (half of 100); elsewhere no event
    assert cap[100:105].tolist() == [60.0, 50.0, 50.0, 50.0, 50.0]
    assert np.isinf(np.delete(cap, np.s_[100:105])).all()
