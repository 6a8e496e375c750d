"""Tables whose URLs and identifiers can always be copied whole.

A cell is never cut inside a word: on a terminal, columns wrap only at spaces, and when even
that cannot fit the terminal's width every row is shown as a `column: value` list instead. Piped
output is never wrapped: each row stays one line, as wide as it needs to be, for `grep` and `cut`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


_UNBOUNDED = 1_000_000


def render_table(
    console: "Console",
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    on_terminal: bool,
) -> None:
    from rich.measure import Measurement

    table = _table(columns, rows, title=title, on_terminal=on_terminal)
    # measured without the console's width: Measurement.get clamps to the width it is given
    fits = Measurement.get(console, console.options.update(max_width=_UNBOUNDED), table)
    if not on_terminal:
        _unwrapped(console, fits.maximum).print(table)
    elif fits.minimum <= console.width:
        console.print(table)
    else:
        _print_as_list(console, columns, rows, title=title)


def _unwrapped(console: "Console", width: int) -> "Console":
    """A console as wide as the table, writing where `console` writes: a table is laid out to its
    console's width, and print(width=...) cannot go beyond it."""
    from rich.console import Console

    return Console(file=console.file, width=max(width, 1), no_color=True, highlight=False, force_terminal=False)


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None, on_terminal: bool) -> "Table":
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=title,
        box=box.SIMPLE_HEAD if on_terminal else box.SIMPLE,
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    for column in columns:
        # "fold" only ever applies to a word longer than its column, which the width check rules out
        table.add_column(column, overflow="fold", no_wrap=not on_terminal)
    for row in rows:  # cells are data, never markup, like every other message
        table.add_row(*(Text(_cell(cell)) for cell in row))
    return table


def _print_as_list(
    console: "Console", columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None
) -> None:
    from rich.text import Text

    if title:
        console.print(Text(title))
    label_width = max((len(column) for column in columns), default=0) + 1
    for index, row in enumerate(rows):
        if index:
            console.print()
        for column, cell in zip(columns, row, strict=False):
            console.print(Text(f"{column + ':':<{label_width}} {_cell(cell)}"), soft_wrap=True)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
