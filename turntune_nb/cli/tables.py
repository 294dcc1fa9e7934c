"""Tables that fit the terminal: a header breaks only between words, a value never breaks.

`fit_table` lays columns of text out in a given width, trying in turn:

1. every column under its full label (wrapped between words, over at most three lines);
2. every column under its short label (`turntune_nb.analysis.display.short_label`), with a legend
   line naming what each short label stands for;
3. whole columns left out, the least important first, with a line saying how many and where they are
   (a wider terminal, ``--json``).

A required column (a file's name, its median gap) is never left out. Only when the required columns
alone are wider than the terminal may a column marked ``foldable`` (a long name) be folded over lines,
so that no line is ever wider than the terminal.

Examples
--------
>>> cols = [TextColumn("file", "file", ("call_one.wav",), required=True, foldable=True),
...         TextColumn("gap", "median gap (ms)", ("2,520",), short="med gap", right=True, required=True)]
>>> plan = layout(cols, 30)  # 12 + 15 + a gutter of 3: the full labels on one line
>>> plan.headers, plan.widths
(['file', 'median gap (ms)'], [12, 15])
>>> plan = layout(cols, 20)  # 12 + "2,520" 5 + 3: the short label, in the legend
>>> plan.headers, plan.widths, plan.legend
(['file', 'med gap'], [12, 5], [('med gap', 'median gap (ms)')])
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ("TextColumn", "Layout", "layout", "fit_table", "print_fitted", "GUTTER")

#: Between two columns: a space of padding either side of a blank divider.
GUTTER = 3
#: A header may wrap between words over this many lines at most.
MAX_HEADER_LINES = 3
#: A foldable column is never made narrower than this.
MIN_FOLD_WIDTH = 8


@dataclass(frozen=True)
class TextColumn:
    """One column: its key, full label, values already formatted as text, and how it may be shown.

    ``short`` is the label used when the full labels do not fit (default: the label itself);
    ``right`` aligns the values right (numbers); a ``required`` column is never left out; a
    ``foldable`` one (a name) may be folded over lines as a last resort.
    """

    key: str
    header: str
    values: tuple
    short: str | None = None
    right: bool = False
    required: bool = False
    foldable: bool = False

    @property
    def value_width(self) -> int:
        return max((len(v) for v in self.values), default=0)


@dataclass
class Layout:
    """What `layout` chose: the columns shown (in their order), their headers and widths, the
    legend items (short label, full label) and how many columns were left out."""

    columns: list
    headers: list
    widths: list
    legend: list = field(default_factory=list)
    dropped: int = 0

    @property
    def width(self) -> int:
        return sum(self.widths) + GUTTER * (len(self.widths) - 1)


def _wrapped_lines(text: str, width: int) -> int:
    """Lines `text` takes wrapped greedily between words at `width` (a word longer than `width`: its own line)."""
    lines, used = 0, None
    for word in text.split():
        if used is None or used + 1 + len(word) > width:
            lines, used = lines + 1, len(word)
        else:
            used += 1 + len(word)
    return max(lines, 1)


def _need(column: TextColumn, header: str) -> int:
    """The narrowest width showing every value whole and `header` between words over few lines."""
    width = max([column.value_width] + [len(w) for w in header.split()])
    while _wrapped_lines(header, width) > MAX_HEADER_LINES and width < len(header):
        width += 1
    return width


def _grow(mins: list, maxs: list, available: int) -> list:
    """Widths within `available`: each at least its minimum, the widest capped first (one cap for all)."""
    widths = list(mins)
    for cap in range(1, max(maxs, default=1) + 1):
        trial = [max(lo, min(hi, cap)) for lo, hi in zip(mins, maxs)]
        if sum(trial) > available:
            break
        widths = trial
    return widths


def _try(columns: list, headers: list, width: int) -> list | None:
    mins = [_need(c, h) for c, h in zip(columns, headers)]
    room = width - GUTTER * (len(columns) - 1)
    if sum(mins) > room:
        return None
    return _grow(mins, [max(lo, len(h), c.value_width) for lo, c, h in zip(mins, columns, headers)], room)


def layout(columns: list, width: int, priority=None) -> Layout:
    """How `columns` fit in `width` characters (see the module's docstring for the order of tries).

    `priority` lists column keys most important first (default: the order of `columns`); columns
    are left out from its end, never a required one.
    """
    full = [c.header for c in columns]
    widths = _try(columns, full, width)
    if widths is not None:
        return Layout(list(columns), full, widths)
    shown = list(columns)
    order = [k for k in (priority or [c.key for c in columns])]
    order += [c.key for c in columns if c.key not in order]
    droppable = [k for k in reversed(order) if not next(c for c in columns if c.key == k).required]
    dropped = 0
    while True:
        short = [c.short or c.header for c in shown]
        widths = _try(shown, short, width)
        if widths is not None or not droppable:
            break
        key = droppable.pop(0)
        shown = [c for c in shown if c.key != key]
        dropped += 1
    if widths is None:  # the required columns alone are too wide: fold a long name, last resort
        mins = [_need(c, h) for c, h in zip(shown, short)]
        room = width - GUTTER * (len(shown) - 1)
        rest = sum(m for m, c in zip(mins, shown) if not c.foldable)
        folds = [c.foldable for c in shown]
        widths = [max(MIN_FOLD_WIDTH, room - rest) // max(1, sum(folds)) if f else m for m, f in zip(mins, folds)]
    legend = [(s, c.header) for c, s in zip(shown, short) if s != c.header]
    return Layout(shown, short, widths, legend, dropped)


def fit_table(columns: list, width: int, priority=None):
    """A rich `Table` of `columns` no wider than `width`, and its `Layout` (legend, columns left out)."""
    from rich import box
    from rich.table import Table

    plan = layout(columns, width, priority)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    for column, header, w in zip(plan.columns, plan.headers, plan.widths):
        table.add_column(header, justify="right" if column.right else "left", overflow="fold", width=w)
    for row in zip(*(c.values for c in plan.columns)):
        table.add_row(*row)
    return table, plan


def print_fitted(out, columns: list, priority=None, more: str = "widen the terminal or use --json") -> Layout:
    """Print `columns` as a table at the console's width, then the legend of its short labels and,
    when columns were left out, ``N more columns: <more>``."""
    from rich.text import Text

    table, plan = fit_table(columns, out.width, priority)
    out.print(table)
    if plan.legend:
        out.print(Text("; ".join(f"{short} = {full}" for short, full in plan.legend), style="dim"))
    if plan.dropped:
        out.print(Text(f"{plan.dropped} more column{'s' if plan.dropped > 1 else ''}: {more}.", style="dim"))
    return plan
