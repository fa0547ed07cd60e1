"""Diagram layout (BPMN DI): every node sits in a grid cell (column, row) chosen by the
writer, left to right along the flow and one row down per branch; this module turns cells
into bounds and sequence flows into right-angled waypoints, so the diagram opens in bpmn.io
as drawn."""

from dataclasses import dataclass

COLUMN, ROW = 150, 130  # the grid's pitch
LEFT, TOP = 60, 60
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int

    @property
    def center(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


def box(shape: str, col: int, row: int) -> Box:
    width, height = SIZES[shape]
    cx, cy = LEFT + col * COLUMN + 50, TOP + row * ROW + 40
    return Box(cx - width // 2, cy - height // 2, width, height)


def on_bottom(task: Box, index: int) -> Box:
    """A boundary event on the bottom edge of ``task`` (the ``index``-th one, from the left)."""
    width, height = SIZES["event"]
    cx = task.x + 20 + index * 40
    return Box(cx - width // 2, task.y + task.height - height // 2, width, height)


def waypoints(source: Box, target: Box) -> list[tuple[int, int]]:
    """Right-angled: straight along a row; down out of the source's bottom into a branch
    below; right and then up into a merge above."""
    (sx, sy), (tx, ty) = source.center, target.center
    if sy == ty:
        return [(source.x + source.width, sy), (target.x, ty)]
    if ty > sy:
        return [(sx, source.y + source.height), (sx, ty), (target.x, ty)]
    return [(source.x + source.width, sy), (tx, sy), (tx, target.y + target.height)]
