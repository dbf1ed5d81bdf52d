"""A SelectionList whose boxes read ``[x]`` when picked and ``[ ]`` when not: Textual's
own draws an ``X`` in every box, told apart only by colour, which reads as all ticked."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton

_BOX = ToggleButton.BUTTON_LEFT + ToggleButton.BUTTON_INNER + ToggleButton.BUTTON_RIGHT


class PickList(SelectionList[str]):
    """Pick boxes that show their state in their text, not only their colour."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if len(segments) < 4 or "".join(s.text for s in segments[:3]) != _BOX:
            return line  # no box on this line (past the last option)
        index = int(self.scroll_offset.y) + y
        picked = self.get_option_at_index(index).value in self._selected
        base = segments[3].style or Style()
        box = Segment(
            "[x]" if picked else "[ ]",
            base + Style(bold=picked, meta={"option": index}),
        )
        return Strip([box, *segments[3:]], line.cell_length)
