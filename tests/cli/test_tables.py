"""Tables that fit: full labels when they fit, else short ones with a legend, else whole columns left out;
a value never broken, a header only between words (widths worked out by hand in each test)."""

from turntune_nb.cli.tables import GUTTER, TextColumn, layout

FILE = TextColumn("file", "file", ("a.wav", "call_with_a_long_name.wav"), required=True, foldable=True)
GAP = TextColumn("gap", "median gap (ms)", ("430", "2,520"), short="med gap", right=True, required=True)
PAUSE = TextColumn("pause", "median pause (ms)", ("38",), short="med pause", right=True)
FTO = TextColumn("fto", "median floor transfer (ms)", ("-65",), short="med FTO", right=True)


def test_full_labels_when_they_fit_between_words():
    # file 25 (the long name); median gap (ms): "median" 6 >= "2,520" 5, "median" / "gap" / "(ms)" = 3 lines;
    # median pause (ms): 6 ("median" / "pause" / "(ms)"); 25 + 6 + 6 + 2 gutters of 3 = 43
    plan = layout([FILE, GAP, PAUSE], 43)
    assert plan.headers == ["file", "median gap (ms)", "median pause (ms)"] and plan.widths == [25, 6, 6]
    assert plan.legend == [] and plan.dropped == 0 and plan.width == 43
    # more room: the widest capped first, up to each header's length (15 and 17) -> fewer header lines
    assert layout([FILE, GAP, PAUSE], 80).widths == [25, 15, 17]


def test_short_labels_with_a_legend_when_the_full_ones_do_not_fit():
    # 42 < 43: short labels: med gap 5 ("2,520"), med pause 5 ("pause"): 25 + 5 + 5 + 6 = 41
    plan = layout([FILE, GAP, PAUSE], 42)
    assert plan.headers == ["file", "med gap", "med pause"] and plan.widths[0] == 25
    assert plan.legend == [("med gap", "median gap (ms)"), ("med pause", "median pause (ms)")]
    assert plan.width <= 42 and plan.dropped == 0


def test_whole_columns_left_out_from_the_least_important_never_a_required_one():
    # short: 25 + 5 (gap) + 5 (pause) + 3 (FTO: "med", "FTO", "-65") + 3 gutters of 3 = 47; at 46 one column
    # goes: the last in priority (here pause, ranked below fto)
    plan = layout([FILE, GAP, PAUSE, FTO], 46, priority=("file", "gap", "fto", "pause"))
    assert [c.key for c in plan.columns] == ["file", "gap", "fto"] and plan.dropped == 1
    # at 33: 25 + 5 + 3 = 33 is exactly the two required columns; nothing else fits
    plan = layout([FILE, GAP, PAUSE, FTO], 33)
    assert [c.key for c in plan.columns] == ["file", "gap"] and plan.dropped == 2 and plan.width == 33


def test_a_name_folds_only_when_the_required_columns_alone_are_too_wide():
    # 20 columns: gap 5 + a gutter 3 leave 12 for the name (25 long): folded, the table exactly 20 wide
    plan = layout([FILE, GAP, PAUSE], 20)
    assert plan.widths == [12, 5] and plan.width == 20 == 12 + GUTTER + 5
