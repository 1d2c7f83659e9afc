"""The portal on a 390 px phone: lists read as cards, nothing scrolls sideways, long Chinese
names keep their width, and the menu folds behind a toggle; at desktop width the same pages
show ordinary tables and an open menu.

Screenshots of the phone pages are written to $PHONE_SCREENSHOTS when that is set, to look at.
"""
import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from enterprises.models import MonthlyFigure
from enterprises.services import scale_event_record
from enterprises.views import PAGE_SIZE
from incentives import services as incentive_services
from incentives.models import EntitlementBatch
from monitoring.models import EarlyWarning
from monitoring.tests.test_monthly_check import check, figures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LONG_NAME = "盂县东方红耐火材料科技发展有限责任公司"
# A card is the name (one or two lines) and about three lines of labelled fields, about 125 px;
# the broken layout needed more than 200 px per row (one character per line).
CARD_HEIGHT_LIMIT = 150
PAGE_FURNITURE = 900  # header, filters, buttons, count line and pagination


@pytest.fixture
def registry(make_enterprise, departments):
    """More 盂县 enterprises than one page holds, with long names and this year's revenue."""
    this_year = timezone.localdate().year
    made = []
    for i in range(PAGE_SIZE + 5):
        enterprise = make_enterprise(f"{LONG_NAME}第{i + 1:02d}分公司", "xiushui" if i % 2 else "nanlou",
                                     departments["yuxian_gxj"] if i % 3 else departments["yuxian_yjj"])
        made.append(enterprise)
    MonthlyFigure.objects.bulk_create(MonthlyFigure(enterprise=e, year=this_year, month=1, revenue=1_234_567,
                                                    reported_at=timezone.now()) for e in made)
    return made


@pytest.fixture
def warning(yuxian_clerk, jurisdictions, registry):
    figures(registry[0], 2025, [2_000_000] * 5)
    check(yuxian_clerk, jurisdictions["yuxian"])
    warning = EarlyWarning.objects.filter(enterprise=registry[0]).first()
    assert warning is not None
    return warning


@pytest.fixture
def ledger(policies_loaded, registry, jurisdictions, yuxian_clerk):
    """Entitlements of the first enterprise, which entered scale for the first time in 2024."""
    scale_event_record(user=yuxian_clerk, enterprise=registry[0], kind="first_entry", on=date(2024, 12, 1))
    batch = EntitlementBatch.objects.create(jurisdiction=jurisdictions["yuxian"], year=2024, requested_by=yuxian_clerk)
    incentive_services.entitlement_batch_run(batch_id=batch.pk)


@pytest.fixture
def paperwork(registry, jurisdictions, yuxian_clerk):
    """A 盂县 API client with a token, and a late correction of June 2025 from an enterprise."""
    from enterprises import services as registry_services, tokens
    from enterprises.models import FigureSource, Role, User

    client = User.objects.create_user(username="yuxian_api", password="x", role=Role.API_CLIENT,
                                      jurisdiction=jurisdictions["yuxian"])
    tokens.token_create(user=yuxian_clerk, client=client, name="县数据平台")
    owner = User.objects.create_user(username="owner01", password="x", role=Role.ENTERPRISE, enterprise=registry[0])
    registry_services.monthly_figure_upsert(user=yuxian_clerk, enterprise=registry[0], year=2025, month=6,
                                            values={"revenue": 630_000}, today=date(2025, 7, 8))
    registry_services.monthly_figure_upsert(user=owner, enterprise=registry[0], year=2025, month=6,
                                            values={"revenue": 660_000}, reason="财务复核后更正",
                                            source=FigureSource.ENTERPRISE, today=date(2025, 9, 1))


def on_phone(page, path, shot=None):
    page.set_viewport_size(PHONE)
    page.goto(path)
    if shot and os.environ.get("PHONE_SCREENSHOTS"):
        Path(os.environ["PHONE_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        folder = Path(os.environ["PHONE_SCREENSHOTS"])
        page.screenshot(path=str(folder / f"{shot}.png"))
        page.screenshot(path=str(folder / f"{shot}-full.png"), full_page=True)
    return page


def assert_fits_the_phone(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= PHONE["width"], f"{page.url} is {widths[0]} px wide on a {PHONE['width']} px phone"
    assert widths[1] <= PHONE["width"]


def assert_menu_folded_then_opens(page):
    link = page.locator("header nav a", has_text="企业库")
    assert link.is_hidden(), "the menu should be folded on a phone"
    assert page.locator("[data-testid=current-user]").is_hidden()
    toggle = page.locator("[data-testid=menu-toggle]")
    assert toggle.is_visible()
    assert toggle.bounding_box()["y"] < 60, "the toggle sits on the first line of the top bar"
    toggle.click()
    assert link.is_visible()
    if os.environ.get("PHONE_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["PHONE_SCREENSHOTS"]) / "menu_open.png"))
    assert page.locator("[data-testid=current-user]").is_visible()
    assert_fits_the_phone(page)
    toggle.click()
    assert link.is_hidden()


def test_the_enterprise_list_reads_as_cards_on_a_phone(login, yuxian_clerk, registry):
    page = login(yuxian_clerk)
    on_phone(page, "/enterprises/", shot="enterprise_list")
    assert_fits_the_phone(page)
    rows = page.locator("[data-testid=enterprise-table] tbody tr")
    assert rows.count() == PAGE_SIZE
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < PAGE_FURNITURE + PAGE_SIZE * CARD_HEIGHT_LIMIT, f"the list is {height} px tall"
    name = rows.first.locator("[data-testid=enterprise-name-cell]")
    box = name.bounding_box()
    assert box["width"] > 150 and box["height"] < 3 * 24, f"name cell {box}"
    # each field is labelled with its column header, since the header row is not shown
    labels = rows.first.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    assert '"所属区域"' in labels and '"责任单位"' in labels and '"规模"' in labels
    assert "123.46" in rows.first.inner_text()
    assert page.locator("[data-testid=enterprise-table] thead").is_hidden() or \
        page.locator("[data-testid=enterprise-table] thead th", has_text="企业名称").is_hidden()
    # a card's fields sit beside their labels: the card is far shorter than one line per field
    assert rows.first.bounding_box()["height"] < CARD_HEIGHT_LIMIT
    assert_menu_folded_then_opens(page)


def test_the_clerks_other_pages_fit_a_phone(login, yuxian_clerk, registry, warning, ledger):
    page = login(yuxian_clerk)
    pages = {
        "warning_list": "/monitoring/",
        "warning_detail": f"/monitoring/{warning.pk}/",
        "ledger": "/incentives/",
        "enterprise_detail": f"/enterprises/{registry[0].pk}/",
    }
    for shot, path in pages.items():
        on_phone(page, path, shot=shot)
        assert_fits_the_phone(page)
        assert_menu_folded_then_opens(page)
    # the enterprise's name heads the page without being squeezed
    on_phone(page, pages["enterprise_detail"])
    assert page.locator("[data-testid=enterprise-name]").bounding_box()["width"] > 300
    # list cells keep their width: the warning's enterprise name and the ledger's are readable
    on_phone(page, pages["warning_list"])
    cell = page.locator("[data-testid=warning-table] tbody tr").first.locator("td", has_text=LONG_NAME)
    assert cell.bounding_box()["width"] > 150
    on_phone(page, pages["ledger"])
    cell = page.locator("[data-testid=entitlement-table] tbody tr").first.locator("td", has_text=LONG_NAME)
    assert cell.bounding_box()["width"] > 150
    # forms stack to the full width
    on_phone(page, pages["warning_detail"])
    field = page.locator("[data-testid=assistance-form] [name=problems]")
    assert field.bounding_box()["width"] > PHONE["width"] * 0.8


def test_the_clerks_less_visited_pages_fit_a_phone_too(login, yuxian_clerk, registry, ledger, warning, paperwork):
    from policies.models import PolicyDocument

    document = PolicyDocument.objects.filter(rules__isnull=False).distinct().first()
    page = login(yuxian_clerk)
    for path in ("/policies/", f"/policies/{document.key}/", "/monitoring/runs/", "/enterprises/corrections/",
                 "/enterprises/new/", "/enterprises/io/import/", "/accounts/tokens/", "/incentives/what-if/",
                 f"/incentives/enterprises/{registry[0].pk}/?year=2024"):
        response = page.goto(path)
        assert response.status == 200, path
        on_phone(page, path, shot=path.strip("/").replace("/", "_").split("?")[0])
        assert_fits_the_phone(page)
    # the cards carry the content: a correction request and a token read on the phone
    on_phone(page, "/enterprises/corrections/")
    assert "财务复核后更正" in page.locator("[data-testid=correction-table]").inner_text()
    on_phone(page, "/accounts/tokens/")
    assert "县数据平台" in page.locator("[data-testid=client-yuxian_api]").inner_text()


def test_the_leaders_landing_page_fits_a_phone(page, login, yangquan_leader, registry):
    login(yangquan_leader)
    on_phone(page, "/", shot="leader_landing")  # wherever "/" sends a leader
    assert_fits_the_phone(page)
    assert_menu_folded_then_opens(page)
    on_phone(page, "/enterprises/", shot="leader_enterprise_list")
    assert_fits_the_phone(page)
    name = page.locator("[data-testid=enterprise-table] tbody tr").first.locator("[data-testid=enterprise-name-cell]")
    assert name.bounding_box()["width"] > 150
    assert_menu_folded_then_opens(page)


def test_at_desktop_width_lists_are_tables_and_the_menu_is_open(login, yuxian_clerk, registry, warning):
    page = login(yuxian_clerk)
    page.set_viewport_size(DESKTOP)
    for path in ("/enterprises/", f"/enterprises/{registry[0].pk}/", "/monitoring/", "/incentives/"):
        page.goto(path)
        assert page.locator("header nav a", has_text="企业库").is_visible()
        assert page.locator("[data-testid=menu-toggle]").is_hidden()
        assert page.locator("[data-testid=current-user]").is_visible()
    page.goto("/enterprises/")
    if os.environ.get("PHONE_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["PHONE_SCREENSHOTS"]) / "desktop_enterprise_list.png"))
    table = page.locator("[data-testid=enterprise-table]")
    assert table.evaluate("el => getComputedStyle(el).display") == "table"
    assert page.locator("[data-testid=enterprise-table] thead th", has_text="企业名称").is_visible()
    first_row = page.locator("[data-testid=enterprise-table] tbody tr").first
    assert first_row.evaluate("el => getComputedStyle(el).display") == "table-row"
    # one row per line: every cell of a row shares the row's top edge
    tops = {round(box["y"]) for box in (cell.bounding_box() for cell in first_row.locator("td").all())}
    assert len(tops) == 1
    # no column labels are printed inside the cells
    assert "所属区域" not in first_row.inner_text()
