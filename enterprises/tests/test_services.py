from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import new_credit_code
from enterprises import services
from enterprises.models import Enterprise, MonthlyFigure, Pool, PoolMembership, ScaleEvent


def test_creating_an_enterprise_opens_its_basic_pool_stay_and_name_record(yuxian_clerk, jurisdictions):
    code = "91350100M000100Y43"
    enterprise = services.enterprise_create(user=yuxian_clerk, credit_code=f" {code.lower()} ",
                                            name=" 盂县新材料有限公司 ", jurisdiction=jurisdictions["xiushui"],
                                            on=date(2024, 3, 1))
    assert enterprise.credit_code == code and enterprise.name == "盂县新材料有限公司"
    (stay,) = enterprise.pool_memberships.all()
    assert (stay.pool, stay.entered_on, stay.entered_by) == (Pool.BASIC, date(2024, 3, 1), yuxian_clerk)
    assert enterprise.names.get().name == "盂县新材料有限公司"
    assert enterprise.history.get().history_user == yuxian_clerk


def test_a_clerk_cannot_register_an_enterprise_in_another_county(xiaoyi_clerk, jurisdictions):
    with pytest.raises(PermissionDenied):
        services.enterprise_create(user=xiaoyi_clerk, credit_code=new_credit_code(), name="越界企业",
                                   jurisdiction=jurisdictions["xiushui"])
    assert not Enterprise.objects.filter(name="越界企业").exists()


def test_an_invalid_credit_code_is_refused_with_the_reason(yuxian_clerk, jurisdictions):
    with pytest.raises(ValidationError) as excinfo:
        services.enterprise_create(user=yuxian_clerk, credit_code="91350100M000100Y44", name="错码企业",
                                   jurisdiction=jurisdictions["xiushui"])
    assert "校验码错误" in str(excinfo.value.message_dict["credit_code"])
    assert not Enterprise.objects.exists()


def test_a_duplicate_credit_code_is_refused(yuxian_clerk, enterprises, jurisdictions):
    with pytest.raises(ValidationError) as excinfo:
        services.enterprise_create(user=yuxian_clerk, credit_code=enterprises["yu_gxj"].credit_code,
                                   name="重复企业", jurisdiction=jurisdictions["xiushui"])
    assert "credit_code" in excinfo.value.message_dict


def test_a_rename_keeps_the_old_name_dated(yuxian_clerk, jurisdictions):
    enterprise = services.enterprise_create(user=yuxian_clerk, credit_code=new_credit_code(), name="旧名公司",
                                            jurisdiction=jurisdictions["xiushui"], on=date(2020, 1, 1))
    services.enterprise_update(user=yuxian_clerk, enterprise=enterprise, name="新名公司", on=date(2023, 5, 1))
    names = list(enterprise.names.order_by("valid_from").values_list("name", "valid_from", "valid_to"))
    assert names == [("旧名公司", date(2020, 1, 1), date(2023, 5, 1)), ("新名公司", date(2023, 5, 1), None)]


def test_a_leader_cannot_change_anything(yangquan_leader, enterprises):
    with pytest.raises(PermissionDenied):
        services.enterprise_update(user=yangquan_leader, enterprise=enterprises["yu_gxj"], name="改名")
    with pytest.raises(PermissionDenied):
        services.pool_move(user=yangquan_leader, enterprise=enterprises["yu_gxj"], pool=Pool.RESERVE, reason="x")


class TestMonthlyFigures:
    def test_saving_the_same_values_twice_writes_nothing_the_second_time(self, yuxian_clerk, enterprises):
        values = {"revenue": Decimal("1500000.00"), "electricity_kwh": Decimal("12000.0")}
        first = services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024,
                                               month=3, values=values)
        second = services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024,
                                                month=3, values=values)
        assert first.created and first.changed and not second.changed
        assert MonthlyFigure.history.count() == 1

    def test_a_correction_keeps_the_previous_value_in_history(self, yuxian_clerk, enterprises):
        for revenue in ("1500000", "1650000"):
            services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024,
                                           month=3, values={"revenue": Decimal(revenue)})
        figure = MonthlyFigure.objects.get()
        assert figure.revenue == Decimal("1650000")
        assert [h.revenue for h in figure.history.order_by("history_date")] == [Decimal("1500000"),
                                                                                 Decimal("1650000")]
        assert figure.history.first().history_user == yuxian_clerk

    def test_an_enterprise_user_reports_only_its_own_figures(self, enterprise_user, enterprises):
        in_reporting_period = date(2024, 2, 5)  # January is open until 10 February
        services.monthly_figure_upsert(user=enterprise_user, enterprise=enterprises["yu_gxj"], year=2024, month=1,
                                       values={"revenue": Decimal("1")}, source="enterprise",
                                       today=in_reporting_period)
        assert MonthlyFigure.objects.get(enterprise=enterprises["yu_gxj"]).revenue == Decimal("1")
        with pytest.raises(PermissionDenied):
            services.monthly_figure_upsert(user=enterprise_user, enterprise=enterprises["yu_other"], year=2024,
                                           month=1, values={"revenue": Decimal("1")}, today=in_reporting_period)

    def test_the_database_refuses_a_thirteenth_month(self, yuxian_clerk, enterprises):
        with pytest.raises(ValidationError):
            services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024,
                                           month=13, values={"revenue": Decimal("1")})


class TestPools:
    def test_moving_closes_the_current_stay_and_keeps_it(self, yuxian_clerk, enterprises):
        enterprise = enterprises["yu_gxj"]
        services.pool_move(user=yuxian_clerk, enterprise=enterprise, pool=Pool.RESERVE, reason="营收超500万",
                           on=date(2024, 2, 1))
        services.pool_move(user=yuxian_clerk, enterprise=enterprise, pool=Pool.CULTIVATION, reason="营收超1000万",
                           on=date(2024, 6, 1))
        stays = list(PoolMembership.objects.filter(enterprise=enterprise).order_by("entered_on"))
        assert [(s.pool, s.exited_on) for s in stays] == [(Pool.RESERVE, date(2024, 6, 1)),
                                                          (Pool.CULTIVATION, None)]
        assert stays[0].exit_reason == "营收超1000万" and stays[0].exited_by == yuxian_clerk

    def test_a_move_needs_a_reason(self, yuxian_clerk, enterprises):
        with pytest.raises(ValidationError) as excinfo:
            services.pool_move(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], pool=Pool.RESERVE, reason=" ")
        assert excinfo.value.message_dict["reason"] == ["调整入库必须填写原因"]

    def test_moving_into_the_current_pool_is_refused(self, yuxian_clerk, enterprises):
        services.pool_move(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], pool=Pool.RESERVE, reason="a")
        with pytest.raises(ValidationError):
            services.pool_move(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], pool=Pool.RESERVE, reason="b")


class TestScaleEvents:
    def test_entry_and_exit_update_the_scale_flag(self, yuxian_clerk, enterprises):
        enterprise = enterprises["yu_gxj"]
        services.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="first_entry",
                                    on=date(2022, 12, 1))
        enterprise.refresh_from_db()
        assert enterprise.is_in_scale
        services.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="exit", on=date(2023, 12, 1))
        enterprise.refresh_from_db()
        assert not enterprise.is_in_scale

    def test_a_reentry_after_a_rename_is_detected(self, yuxian_clerk, enterprises):
        enterprise = enterprises["yu_gxj"]
        services.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="first_entry",
                                    on=date(2021, 12, 1))
        services.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="exit", on=date(2022, 12, 1))
        services.enterprise_update(user=yuxian_clerk, enterprise=enterprise, name="盂县新耐火材料有限公司",
                                   on=date(2023, 3, 1))
        event = services.scale_event_record(user=yuxian_clerk, enterprise=enterprise, kind="reentry",
                                            on=date(2023, 12, 1))
        assert event.kind == "name_change_reentry"
        assert event.name_at_event == "盂县新耐火材料有限公司"

    def test_an_impossible_event_is_refused_with_the_reason(self, yuxian_clerk, enterprises):
        with pytest.raises(ValidationError) as excinfo:
            services.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="exit",
                                        on=date(2023, 1, 1))
        assert excinfo.value.message_dict["kind"] == ["企业当前不在规上，不能登记退规"]
        assert not ScaleEvent.objects.exists()

    def test_every_event_is_audited_with_its_author(self, yuxian_clerk, enterprises):
        services.scale_event_record(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], kind="treated_entry",
                                    treated_basis="new_project", on=date(2024, 5, 1))
        assert ScaleEvent.history.get().history_user == yuxian_clerk


def test_a_department_rename_keeps_the_old_name_dated(admin_user, departments):
    department = departments["yuxian_gxj"]
    services.department_rename(user=admin_user, department=department, new_name="县工业和信息化局",
                               on=date(2024, 11, 22), source="测试")
    assert department.name_on(date(2024, 1, 1)) == "县工信局"
    assert department.name_on(date(2025, 1, 1)) == "县工业和信息化局"
