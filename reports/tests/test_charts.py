"""Charts: valid SVG, Chinese labels kept as text, nothing the CSP forbids, the same bytes
for the same snapshot (so a frozen report renders unchanged)."""
import re
from xml.etree import ElementTree

import pytest

from reports import charts, selectors

from .conftest import MONTH, TODAY, YEAR

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def snapshot(seeded, yuxian_clerk):
    root = selectors.dashboard_scope(user=yuxian_clerk, key=None)
    return selectors.dashboard_snapshot(user=yuxian_clerk, jurisdiction=root, year=YEAR, month=MONTH, today=TODAY)


def texts(svg):
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")], root


def test_the_net_increase_chart_is_valid_svg_with_the_units_names(snapshot):
    svg = charts.net_increase_chart(snapshot)
    labels, root = texts(svg)
    assert {"秀水镇", "南娄镇", "县经济技术开发区"} <= set(labels)
    assert "2024年净增户数与目标（截至6月）" in labels
    assert "1/4" in labels  # 秀水镇: net 1 of 4
    assert root.find(f"{SVG}title").text == "2024年净增户数与目标（截至6月）"
    # the lagging town's bar is red
    assert 'fill="#b3261e"' in svg


def test_the_monthly_chart_labels_its_months_and_series(snapshot):
    labels, _root = texts(charts.monthly_flow_chart(snapshot))
    assert {"1月", "6月", "12月", "入规", "退规", "累计净增", "目标进度（8户）"} <= set(labels)


@pytest.mark.parametrize("name", ["net", "monthly"])
def test_charts_carry_nothing_the_content_security_policy_forbids(snapshot, name):
    svg = charts.dashboard_charts(snapshot)[name]
    assert not re.search(r"\sstyle=", svg)
    assert "<style" not in svg and "<script" not in svg and "<metadata" not in svg
    assert not re.search(r"\son\w+=", svg)  # no event handler attributes
    assert not re.search(r'(?:href|src)="(?!#)', svg)  # only references inside the chart itself
    assert "Noto Sans CJK" in svg


def test_the_same_snapshot_draws_the_same_bytes(snapshot):
    assert charts.dashboard_charts(snapshot) == charts.dashboard_charts(snapshot)
    assert charts.svg_data_uri(charts.net_increase_chart(snapshot)).startswith("data:image/svg+xml;base64,")


def test_a_scope_without_units_still_draws(seeded, yuxian_department_user):
    root = selectors.dashboard_scope(user=yuxian_department_user, key=None)
    snapshot = selectors.dashboard_snapshot(user=yuxian_department_user, jurisdiction=root, year=YEAR, month=MONTH,
                                            today=TODAY)
    labels, _root = texts(charts.net_increase_chart(snapshot))
    assert "县工信局" in labels


def test_the_cjk_font_is_found_with_fontconfig():
    path = charts.cjk_font_path()
    assert path is not None and "CJK" in path
