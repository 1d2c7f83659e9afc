"""Charts drawn on the server as SVG text, from a `DashboardSnapshot` only.

The very same string goes into the dashboard page (inline <svg>) and into the dispatch
report's PDF, so the chart a leader sees is the chart that is printed. Rules:

- matplotlib's object API with the Agg backend (no pyplot, no global figure state);
- the Noto Sans CJK font the portal installs (scripts/setup), found with fc-match, so Chinese
  labels are measured right; labels stay <text> (searchable, read by screen readers and by
  pdftotext), with a font list that falls back to the reader's own CJK font;
- the output is safe under the portal's Content-Security-Policy: no <style> element, no
  style="" attribute (each CSS property becomes the SVG presentation attribute of the same
  name), no script, no external reference;
- the output is deterministic: no date, fixed ids (svg.hashsalt), so the same snapshot gives
  byte-identical SVG (a frozen report renders unchanged).
"""
import base64
import io
import re
import subprocess
import threading
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from .snapshot import DashboardSnapshot, UnitProgress  # noqa: E402

FONT_FAMILY_ATTRIBUTE = "'Noto Sans CJK SC', 'Noto Sans CJK JP', 'PingFang SC', 'Microsoft YaHei', sans-serif"
FALLBACK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
ACCENT = "#b3261e"   # static/css/portal.css --accent: lagging
STEADY = "#3b6ea5"
MUTED = "#888888"
WIDTH_IN = 5.0       # about 360 pt: fills a 390 px phone with text near its natural size

# CSS properties matplotlib writes in style="" that SVG also accepts as attributes.
PRESENTATION = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linejoin",
                "stroke-linecap", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity",
                "font-size", "font-family", "font-weight", "font-style", "text-anchor", "clip-path"}


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """The Noto Sans CJK file as fontconfig finds it (None when the machine has none)."""
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True,
                               timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    for candidate in (found, FALLBACK_FONT):
        if candidate and "CJK" in candidate and Path(candidate).exists():
            return candidate
    return None


@lru_cache(maxsize=1)
def _font_family() -> list[str]:
    path = cjk_font_path()
    if path is None:
        return ["DejaVu Sans"]
    font_manager.fontManager.addfont(path)
    return [font_manager.FontProperties(fname=path).get_name(), "DejaVu Sans"]


def _figure(height_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=72)
    figure.patch.set_facecolor("white")
    return figure


def _render(figure: Figure, title: str) -> str:
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "xsg-reports"}):
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                        "Type": None})
    return clean_svg(buffer.getvalue(), title)


# rc_context changes matplotlib's global settings for its duration: one chart at a time per process.
_LOCK = threading.RLock()


def _locked(function):
    def drawn(*args, **kwargs):
        with _LOCK:
            return function(*args, **kwargs)
    drawn.__doc__, drawn.__name__ = function.__doc__, function.__name__
    return drawn


def _rc():
    return matplotlib.rc_context({"font.family": _font_family(), "font.size": 9, "axes.unicode_minus": False,
                                  "svg.fonttype": "none", "svg.hashsalt": "xsg-reports"})


STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')


def _style_to_attributes(match) -> str:
    parts = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name not in PRESENTATION or not value:
            continue
        if name == "font-family":
            value = FONT_FAMILY_ATTRIBUTE
        parts.append(f' {name}="{escape(value, {chr(34): "&quot;"})}"')
    return "".join(parts)


def clean_svg(svg: str, title: str = "") -> str:
    """matplotlib's SVG made fit to inline in a page under the CSP: no XML prolog or doctype,
    no metadata, no <style> element, style="" turned into attributes, a <title> for screen
    readers, and a class the stylesheet scales to the width of the screen."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = re.sub(r"\s*<defs>\s*</defs>", "", svg)
    svg = STYLE_ATTRIBUTE.sub(_style_to_attributes, svg)
    # What the removed <style> said for every element, said once on the root (inherited).
    head = (f'<svg class="chart-svg" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" '
            'stroke-linejoin="round" stroke-linecap="butt" ')
    svg = svg.replace("<svg ", head, 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: f"{m.group(1)}\n <title>{escape(title)}</title>", svg, count=1)
    return svg.strip() + "\n"


def svg_data_uri(svg: str) -> str:
    """The chart as a data: URI, for an <img src> (allowed by the CSP's img-src) or a PDF template."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# -- the charts -------------------------------------------------------------------------------

def _chart_units(snapshot: DashboardSnapshot) -> list[UnitProgress]:
    return snapshot.by_jurisdiction or snapshot.by_department


def _measure(units: list[UnitProgress]) -> str:
    """The measure the chart compares: the primary target measure most units have, else net increase."""
    counts: dict[str, int] = {}
    for unit in units:
        if unit.primary is not None:
            counts[unit.primary.measure] = counts.get(unit.primary.measure, 0) + 1
    return max(counts, key=lambda m: (counts[m], m == "net_increase")) if counts else "net_increase"


def _actual(unit: UnitProgress, measure: str) -> int:
    return {"net_increase": unit.net, "new_entries": unit.entries, "in_scale": unit.in_scale}[measure]


def _target(unit: UnitProgress, measure: str):
    return next((t for t in unit.targets if t.measure == measure), None)


def _measure_title(measure: str, snapshot: DashboardSnapshot) -> str:
    titles = {
        "net_increase": _("%(year)s年净增户数与目标（截至%(month)s月）"),
        "new_entries": _("%(year)s年新增入规户数与目标（截至%(month)s月）"),
        "in_scale": _("%(year)s年规上企业数与年末目标（截至%(month)s月）"),
    }
    return titles[measure] % {"year": snapshot.year, "month": snapshot.month}


@_locked
def net_increase_chart(snapshot: DashboardSnapshot) -> str:
    """Horizontal bars, one per child unit (or department): the actual figure against the target
    (a black tick) and what is expected by now (a grey tick); lagging units in red."""
    units = _chart_units(snapshot)
    measure = _measure(units)
    title = _measure_title(measure, snapshot)
    with _rc():
        height = 0.8 + 0.32 * max(len(units), 1)  # inches: title and axis labels, then a line per unit
        longest = max([len(u.name) for u in units] + [2])
        left = min(0.42, (0.2 + 0.13 * longest) / WIDTH_IN)  # room for the longest name (9 pt characters)
        figure = _figure(height)
        axes = figure.add_axes((left, 0.4 / height, 0.9 - left, 1 - 0.75 / height))
        axes.set_title(title, fontsize=10, loc="left")
        if not units:
            axes.set_axis_off()
            axes.text(0.5, 0.5, _("暂无数据"), ha="center", va="center", color=MUTED, transform=axes.transAxes)
            return _render(figure, title)
        names = [u.name for u in units][::-1]
        actuals = [_actual(u, measure) for u in units][::-1]
        targets = [_target(u, measure) for u in units][::-1]
        colours = [ACCENT if (t is not None and t.lagging) else STEADY for t in targets]
        positions = list(range(len(units)))
        axes.barh(positions, actuals, color=colours, height=0.6)
        for y, target in zip(positions, targets):
            if target is None:
                continue
            axes.plot([target.value, target.value], [y - 0.4, y + 0.4], color="#222222", linewidth=1.6)
            expected = float(target.expected_to_date)
            if measure != "in_scale" and expected < target.value:
                axes.plot([expected, expected], [y - 0.3, y + 0.3], color=MUTED, linewidth=1.2, linestyle="--")
        for y, value, target in zip(positions, actuals, targets):
            label = f"{value}" if target is None else f"{value}/{target.value}"
            axes.annotate(label, (max(value, 0), y), xytext=(3, 0), textcoords="offset points", va="center",
                          fontsize=8, color="#222222")
        axes.set_yticks(positions, names)
        axes.axvline(0, color="#444444", linewidth=0.8)
        high = max([abs(v) for v in actuals] + [t.value for t in targets if t is not None] + [1])
        low = min(actuals + [0])
        axes.set_xlim(low - 0.5 if low < 0 else 0, high * 1.25 + 0.5)
        axes.xaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.tick_params(axis="y", length=0)
        return _render(figure, title)


@_locked
def monthly_flow_chart(snapshot: DashboardSnapshot) -> str:
    """Entries (up) and exits (down) per month of the year, the cumulative net increase as a
    line, and, when the scope has a net-increase target, the pro-rata path to it (dashed)."""
    title = _("%(year)s年各月入规、退规与累计净增") % {"year": snapshot.year}
    months = snapshot.months
    with _rc():
        figure = _figure(2.6)
        axes = figure.add_axes((0.1, 0.2, 0.86, 0.66))
        axes.set_title(title, fontsize=10, loc="left")
        x = [m.month for m in months]
        axes.bar(x, [m.entries for m in months], color=STEADY, width=0.6, label=_("入规"))
        axes.bar(x, [-m.exits for m in months], color=ACCENT, width=0.6, label=_("退规"))
        axes.plot(x, [m.cumulative_net for m in months], color="#222222", marker="o", markersize=3, linewidth=1.4,
                  label=_("累计净增"))
        target = next((t for t in snapshot.total.targets if t.measure == "net_increase"), None)
        if target is not None:
            path = [float(Decimal(target.value) * m / 12) for m in x]
            axes.plot(x, path, color=MUTED, linestyle="--", linewidth=1.2,
                      label=_("目标进度（%(value)s户）") % {"value": target.value})
        axes.axhline(0, color="#444444", linewidth=0.8)
        axes.set_xticks(range(1, 13), [_("%(month)s月") % {"month": m} for m in range(1, 13)], fontsize=7)
        axes.set_xlim(0.4, 12.6)
        axes.yaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7, frameon=False)
        return _render(figure, title)


def dashboard_charts(snapshot: DashboardSnapshot) -> dict[str, str]:
    """Every chart of the dashboard, by name."""
    return {"net": net_increase_chart(snapshot), "monthly": monthly_flow_chart(snapshot)}


@_locked
def revenue_chart(*, year: int, monthly: list, threshold: Decimal, projection: Decimal | None) -> str:
    """One enterprise's year (一户一册): monthly revenue (bars, 万元), the cumulative revenue (line)
    against the 20M (2000万元) line, and the projected full-year revenue (a dashed line to December).
    `monthly` = [(month, revenue in yuan or None), …] for the months reported."""
    title = _("%(year)s年主营业务收入（万元）与规上标准") % {"year": year}
    wan = Decimal("10000")
    with _rc():
        figure = _figure(2.8)
        axes = figure.add_axes((0.1, 0.2, 0.86, 0.66))
        axes.set_title(title, fontsize=10, loc="left")
        reported = [(m, v) for m, v in monthly if v is not None]
        x = [m for m, _v in reported]
        axes.bar(x, [float(v / wan) for _m, v in reported], color=STEADY, width=0.6, label=_("当月收入"))
        running, cumulative = Decimal("0"), []
        for _m, value in reported:
            running += value
            cumulative.append(float(running / wan))
        if reported:
            axes.plot(x, cumulative, color="#222222", marker="o", markersize=3, linewidth=1.4, label=_("累计收入"))
        axes.axhline(float(threshold / wan), color=ACCENT, linewidth=1.2,
                     label=_("规上标准 %(value)s万元") % {"value": f"{threshold / wan:.0f}"})
        if projection is not None and reported:
            axes.plot([x[-1], 12], [cumulative[-1], float(projection / wan)], color=MUTED, linestyle="--",
                      linewidth=1.2, label=_("全年预测 %(value)s万元") % {"value": f"{projection / wan:.2f}"})
        axes.set_xticks(range(1, 13), [_("%(month)s月") % {"month": m} for m in range(1, 13)], fontsize=7)
        axes.set_xlim(0.4, 12.6)
        axes.set_ylim(bottom=0)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, fontsize=7, frameon=False)
        return _render(figure, title)
