"""The change log reads the way staff read (issue 9 item 3): related objects by name, never
their ids (所属区域：— → 8), choices by label, money in 万元 like the rest of the page, and
people by their names (clerk_yuxian → 王小明); the names cost one query per related model."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import new_credit_code

from enterprises import audit, services
from enterprises.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(yuxian_clerk):
    yuxian_clerk.last_name, yuxian_clerk.first_name = "王", "小明"
    yuxian_clerk.save()
    return yuxian_clerk


def changes_of(entries):
    return [change for entry in entries for change in entry.changes]


def test_a_moved_enterprise_shows_jurisdiction_and_department_names(wang, jurisdictions, departments):
    enterprise = services.enterprise_create(user=wang, credit_code=new_credit_code(),
                                            name="盂县新材料有限公司", jurisdiction=jurisdictions["xiushui"])
    services.enterprise_update(user=wang, enterprise=enterprise, jurisdiction=jurisdictions["nanlou"],
                               department=departments["yuxian_gxj"], category="new_project")
    changes = changes_of(audit.enterprise_trail(enterprise))
    assert ("所属区域", "秀水镇", "南娄镇") in changes
    assert ("责任单位", "—", str(departments["yuxian_gxj"])) in changes
    assert ("所属区域", "—", "秀水镇") in changes  # the creation
    assert ("企业类别", "工业企业", "新开工/投产项目") in changes  # a choice by its label
    ids = {str(jurisdictions["xiushui"].pk), str(jurisdictions["nanlou"].pk), str(departments["yuxian_gxj"].pk)}
    assert not ids & {str(v) for change in changes for v in change[1:]}


def test_money_in_the_change_log_is_in_wan_and_kwh_rounded(wang, enterprises):
    enterprise = enterprises["yu_gxj"]
    services.monthly_figure_upsert(user=wang, enterprise=enterprise, year=2025, month=10,
                                   values={"revenue": Decimal("714644.60"), "output_value": Decimal("714644.60"),
                                           "electricity_kwh": Decimal("166078.8")})
    services.monthly_figure_upsert(user=wang, enterprise=enterprise, year=2025, month=10,
                                   values={"revenue": Decimal("56387805.54")})
    entries = audit.enterprise_trail(enterprise)
    changes = changes_of(entries)
    assert ("当月主营业务收入", "71.46万元", "5,638.78万元") in changes
    assert ("当月工业总产值", "—", "71.46万元") in changes
    assert ("当月用电量（千瓦时）", "—", "166,079") in changes
    assert all(entry.who_name == "王小明" for entry in entries if entry.subject == "2025年10月数据")


def test_the_enterprise_page_shows_names_not_ids_nor_user_names(client, wang, jurisdictions, departments,
                                                                enterprises):
    enterprise = enterprises["yu_gxj"]
    services.enterprise_update(user=wang, enterprise=enterprise, department=departments["yuxian_yjj"])
    services.monthly_figure_upsert(user=wang, enterprise=enterprise, year=2025, month=10,
                                   values={"revenue": Decimal("714644.60")})
    client.force_login(wang)
    html = client.get(reverse("enterprises:detail", args=[enterprise.pk])).content.decode()
    trail = html.split('data-testid="audit-trail"')[1].split("</table>")[0]
    assert f"责任单位：{departments['yuxian_gxj']} → {departments['yuxian_yjj']}" in trail
    assert "当月主营业务收入：— → 71.46万元" in trail
    assert "王小明" in trail and "xiaowang" not in trail
    assert "714644.60" not in trail


def test_a_deleted_related_object_is_named_as_deleted_not_as_a_bare_id(wang, jurisdictions, enterprises):
    enterprise = enterprises["yu_other"]
    spare = Department.objects.create(key="140322-tmp", jurisdiction=jurisdictions["yuxian"], name="临时专班")
    services.enterprise_update(user=wang, enterprise=enterprise, department=spare)
    services.enterprise_update(user=wang, enterprise=enterprise, department=None)
    gone = spare.pk
    Department.objects.filter(pk=gone).delete()
    changes = changes_of(audit.enterprise_trail(enterprise))
    assert ("责任单位", f"已删除（编号{gone}）", "—") in changes


def test_names_cost_one_query_per_related_model_however_many_changes(wang, jurisdictions, departments,
                                                                     enterprises):
    def trail_queries(enterprise):
        with CaptureQueriesContext(connection) as captured:
            audit.enterprise_trail(enterprise)
        return len(captured)

    few, many = enterprises["yu_gxj"], enterprises["yu_other"]
    services.enterprise_update(user=wang, enterprise=few, department=departments["yuxian_yjj"])
    for _ in range(3):
        for department in (departments["yuxian_gxj"], departments["yuxian_yjj"]):
            services.enterprise_update(user=wang, enterprise=many, department=department)
        for town in ("xiushui", "nanlou"):
            services.enterprise_update(user=wang, enterprise=many, jurisdiction=jurisdictions[town])
    assert trail_queries(many) == trail_queries(few)


def test_the_record_date_is_shown_as_it_is(wang, enterprises):
    # dates and plain text are not touched by the formatting
    services.enterprise_update(user=wang, enterprise=enterprises["yu_gxj"], established_on=date(2019, 5, 1))
    changes = changes_of(audit.enterprise_trail(enterprises["yu_gxj"]))
    assert ("成立日期", "—", date(2019, 5, 1)) in changes
