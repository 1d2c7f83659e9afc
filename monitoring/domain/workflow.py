"""Where a warning may go next. Resolved and closed are final."""

TRANSITIONS = {
    "open": {"assigned", "in_progress", "resolved", "closed"},
    "assigned": {"assigned", "in_progress", "resolved", "closed"},
    "in_progress": {"assigned", "resolved", "closed"},
    "resolved": set(),
    "closed": set(),
}
NEEDS_OUTCOME = {"resolved", "closed"}
LABELS = {"open": "待处理", "assigned": "已分派", "in_progress": "处理中", "resolved": "已解决", "closed": "已关闭"}


def check_transition(current: str, target: str, outcome: str = "") -> str | None:
    """Why the move is not allowed, or None."""
    if target not in TRANSITIONS.get(current, set()):
        return f"预警当前为“{LABELS.get(current, current)}”，不能转为“{LABELS.get(target, target)}”"
    if target in NEEDS_OUTCOME and not outcome.strip():
        return "办结或关闭预警须填写处理结果"
    return None
