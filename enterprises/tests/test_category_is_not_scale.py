"""Issue 10 item 5: the category is the kind of entity (工业企业, 个体工商户, 新开工/投产项目, 限上批零住餐…);
whether an enterprise is 规上 is its scale status. An in-scale enterprise used to show category
"规下工业" beside scale "规上"."""
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import new_credit_code
from enterprises import spreadsheets
from enterprises.models import Enterprise, EnterpriseCategory
from enterprises.tests.test_spreadsheets import ENTERPRISE_HEADERS, dataset_of, xlsx_file

category_migration = importlib.import_module("enterprises.migrations.0009_enterprise_category_industry")


@pytest.fixture
def in_scale_industry(make_enterprise, departments):
    enterprise = make_enterprise("盂县规上铸造有限公司", "xiushui", departments["yuxian_gxj"],
                                 category=EnterpriseCategory.INDUSTRY)
    Enterprise.objects.filter(pk=enterprise.pk).update(is_in_scale=True)
    enterprise.refresh_from_db()
    return enterprise


def test_no_category_names_a_scale_status_below_scale():
    assert not [label for label in EnterpriseCategory.labels if "规下" in str(label)]
    assert EnterpriseCategory.INDUSTRY.label == "工业企业"


def test_an_in_scale_enterprise_detail_page_says_no_gui_xia(client, yuxian_clerk, in_scale_industry):
    client.force_login(yuxian_clerk)
    page = client.get(reverse("enterprises:detail", args=[in_scale_industry.pk])).content.decode()
    assert "工业企业" in page and "规上" in page
    assert "规下" not in page


def test_an_in_scale_enterprise_list_row_says_no_gui_xia(client, yuxian_clerk, in_scale_industry):
    client.force_login(yuxian_clerk)
    page = client.get(reverse("enterprises:list"), {"q": in_scale_industry.name}).content.decode()
    rows = page[page.index("<tbody"):]
    row = rows[:rows.index("</tr>")]
    assert in_scale_industry.name in row
    assert "工业企业" in row and "规上" in row and "规下" not in row


def test_the_api_gives_the_kind_of_entity_and_accepts_the_old_filter_value(yuxian_clerk, in_scale_industry):
    api = APIClient()
    api.force_authenticate(yuxian_clerk)
    body = api.get(reverse("enterprise-detail", args=[in_scale_industry.pk])).json()
    assert (body["category"], body["is_in_scale"]) == ("industry", True)
    assert "规下" not in str(body)
    for value in ("industry", "below_scale_industry"):  # the old value still filters the same rows
        listed = api.get(reverse("enterprise-list"), {"category": value}).json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert [r["id"] for r in rows] == [in_scale_industry.pk]


def test_an_import_with_the_old_label_still_imports_as_an_industrial_enterprise(yuxian_clerk, departments):
    old, new = new_credit_code(), new_credit_code()
    upload = xlsx_file(ENTERPRISE_HEADERS, [
        [old, "盂县旧表企业有限公司", "秀水镇", "县工信局", "C3089", "规下工业", "张三", "秀水镇东街1号", "2019-03-15"],
        [new, "盂县新表企业有限公司", "秀水镇", "县工信局", "C3089", "工业企业", "李四", "秀水镇东街2号", "2019-03-15"],
    ])
    report = spreadsheets.import_enterprises(user=yuxian_clerk, dataset=dataset_of(upload))
    assert report.imported and report.counts["created"] == 2
    assert {Enterprise.objects.get(credit_code=c).category for c in (old, new)} == {EnterpriseCategory.INDUSTRY}


def test_the_data_migration_renames_stored_rows_and_their_history(make_enterprise):
    enterprise = make_enterprise("盂县迁移测试有限公司", category=EnterpriseCategory.INDUSTRY)
    Enterprise.objects.filter(pk=enterprise.pk).update(category="below_scale_industry")
    enterprise.history.update(category="below_scale_industry")
    category_migration.forwards(django_apps, None)
    enterprise.refresh_from_db()
    assert enterprise.category == "industry"
    assert set(enterprise.history.values_list("category", flat=True)) == {"industry"}
