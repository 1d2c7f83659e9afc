"""Targets (目标任务): loaded from the documents with their citations, set only by the level
above the unit, every change kept with who made it.

Personas: 小王 (yuxian_clerk) works at 盂县's center; 老李 (yangquan_clerk) at 阳泉's; 老赵 is a
leader of 阳泉; 小孙 works at 盂县工信局; 小李 at 孝义's center."""
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from enterprises.models import Role, User
from monitoring import selectors, services
from monitoring.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def yangquan_clerk(jurisdictions):
    return User.objects.create_user(username="laoli", password="pw-laoli", role=Role.CENTER_STAFF,
                                    jurisdiction=jurisdictions["yangquan"], last_name="李", first_name="建国")


@pytest.fixture
def yuxian_target(jurisdictions):
    return Target.objects.create(year=2024, value=8, jurisdiction=jurisdictions["yuxian"],
                                 citation="盂促企组办发[2024]1号 二", note="市下达")


@pytest.fixture
def xiaoyi_target(jurisdictions):
    return Target.objects.create(year=2025, measure="in_scale", value=200, jurisdiction=jurisdictions["xiaoyi"])


# -- loading ------------------------------------------------------------------------------

def test_the_seed_targets_load_with_their_citations_and_add_up():
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_targets", verbosity=0)
    yuxian = Target.objects.get(jurisdiction__key="140322", year=2024, measure="net_increase")
    assert (yuxian.value, yuxian.citation) == (8, "盂促企组办发[2024]1号 二")
    sums = selectors.target_sums([yuxian])[yuxian.pk]
    assert sums == (10, 10)  # by town (秀水镇 4, six others 1 each) and by department (3 + 3 + 2 + 1 + 1)
    assert Target.objects.get(jurisdiction__key="140322-xiushui", year=2024).value == 4
    assert {t.department.key: t.value for t in Target.objects.filter(department__isnull=False, year=2024)} == {
        "140322-kfqgwh": 3, "140322-gxj": 3, "140322-yjj": 2, "140322-nyj": 1, "140322-zjj": 1}

    pds = Target.objects.get(jurisdiction__key="410400", year=2022, measure="new_entries")
    assert pds.value == 138 and selectors.target_sums([pds])[pds.pk] == (138, None)
    assert Target.objects.get(jurisdiction__key="410482", year=2022).value == 19  # 汝州市
    assert Target.objects.get(jurisdiction__key="410400-gxq", year=2022).value == 9  # 高新区
    assert pds.citation == "平政办〔2022〕15号 附件2 二"

    xiaoyi = Target.objects.get(jurisdiction__key="141181")
    assert (xiaoyi.year, xiaoyi.measure, xiaoyi.value, xiaoyi.citation) == (2025, "in_scale", 200,
                                                                            "孝政办发[2022]44号 一")
    assert all(t.citation for t in Target.objects.all())


def test_loading_twice_changes_nothing_and_a_change_in_the_file_is_applied(tmp_path):
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_targets", verbosity=0)
    rows, history = Target.objects.count(), Target.history.count()
    out = StringIO()
    call_command("load_targets", stdout=out)
    assert "本次新增或更新 0 项" in out.getvalue()
    assert (Target.objects.count(), Target.history.count()) == (rows, history)

    data = tmp_path / "targets.yaml"
    data.write_text('targets:\n  - {jurisdiction: "140322", year: 2024, measure: net_increase, value: 9, '
                    'citation: "x 二"}\n', encoding="utf-8")
    call_command("load_targets", file=data, verbosity=0)
    assert Target.objects.get(jurisdiction__key="140322", year=2024).value == 9
    assert Target.history.count() == history + 1


@pytest.mark.parametrize("text, message", [
    ('targets:\n  - {jurisdiction: "nowhere", year: 2024, value: 1}\n', "区域“nowhere”不存在"),
    ('targets:\n  - {department: "nobody", year: 2024, value: 1}\n', "责任单位“nobody”不存在"),
    ('targets:\n  - {jurisdiction: "140322", department: "140322-gxj", year: 2024, value: 1}\n', "只能指定"),
    ('targets:\n  - {jurisdiction: "140322", year: 2024, measure: profit, value: 1}\n', "指标“profit”"),
    ('targets:\n  - {jurisdiction: "140322", year: 1900, value: 1}\n', "第1项"),
    ("targets: [\n", "无法读取或解析"),
])
def test_a_bad_entry_is_refused_naming_it(tmp_path, text, message):
    call_command("load_jurisdictions", verbosity=0)
    data = tmp_path / "targets.yaml"
    data.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("load_targets", file=data, verbosity=0)
    assert not Target.objects.exists()


# -- who sets targets ---------------------------------------------------------------------

def test_only_the_level_above_sets_a_target(jurisdictions, departments, yuxian_clerk, yangquan_clerk,
                                           yangquan_leader, yuxian_department_user, xiaoyi_clerk):
    yuxian, xiushui, gxj = jurisdictions["yuxian"], jurisdictions["xiushui"], departments["yuxian_gxj"]
    can = selectors.can_set_target
    assert not can(yuxian_clerk, jurisdiction=yuxian)[0]  # not their own county
    assert can(yangquan_clerk, jurisdiction=yuxian)[0]     # the city can
    assert can(yuxian_clerk, jurisdiction=xiushui)[0] and can(yuxian_clerk, department=gxj)[0]
    assert not can(yangquan_leader, jurisdiction=yuxian)[0]
    assert not can(yuxian_department_user, department=gxj)[0]
    assert not can(xiaoyi_clerk, jurisdiction=xiushui)[0] and not can(xiaoyi_clerk, department=gxj)[0]
    assert not can(yangquan_clerk, jurisdiction=jurisdictions["yangquan"])[0]
    with pytest.raises(PermissionDenied):
        services.target_set(user=yuxian_clerk, year=2024, measure="net_increase", value=10, jurisdiction=yuxian)
    assert not Target.objects.exists()


def test_a_target_keeps_its_history_with_who_changed_it(jurisdictions, yangquan_clerk):
    yuxian = jurisdictions["yuxian"]
    services.target_set(user=yangquan_clerk, year=2024, measure="net_increase", value=8, jurisdiction=yuxian,
                        citation="盂促企组办发[2024]1号 二")
    target = services.target_set(user=yangquan_clerk, year=2024, measure="net_increase", value=9,
                                 jurisdiction=yuxian, citation="盂促企组办发[2024]1号 二")
    assert Target.objects.count() == 1 and target.value == 9 and target.updated_by == yangquan_clerk
    assert [(h.value, h.history_user) for h in target.history.order_by("history_date")] == [
        (8, yangquan_clerk), (9, yangquan_clerk)]


# -- the pages ----------------------------------------------------------------------------

def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_counties_target_with_its_breakdown_but_no_edit_link(
        jurisdictions, yuxian_clerk, yuxian_target):
    Target.objects.create(year=2024, value=4, jurisdiction=jurisdictions["xiushui"])
    Target.objects.create(year=2024, value=1, jurisdiction=jurisdictions["nanlou"])
    response = _client(yuxian_clerk).get(reverse("monitoring:targets"), {"year": 2024})
    rows = {t.jurisdiction.key: t for t in response.context["targets"]}
    assert rows["140322"].children_sum == 5 and not rows["140322"].can_change
    assert rows["140322-xiushui"].can_change
    html = response.content.decode()
    assert "区域 5" in html and "市下达" in html


def test_a_county_clerk_gets_a_404_for_their_own_countys_target_and_a_foreign_one(
        yuxian_clerk, yuxian_target, xiaoyi_target):
    client = _client(yuxian_clerk)
    missing = client.get(reverse("monitoring:target", args=[987654321])).status_code
    assert missing == 404
    for target in (yuxian_target, xiaoyi_target):
        assert client.get(reverse("monitoring:target", args=[target.pk])).status_code == missing
        assert client.post(reverse("monitoring:target", args=[target.pk]), {"value": 99}).status_code == missing
    yuxian_target.refresh_from_db()
    assert yuxian_target.value == 8


def test_the_city_changes_the_countys_target_on_its_page(yangquan_clerk, yuxian_target):
    client = _client(yangquan_clerk)
    url = reverse("monitoring:target", args=[yuxian_target.pk])
    response = client.post(url, {"value": 10, "citation": "盂促企组办发[2024]1号 二", "note": "调整"})
    assert response.status_code == 302
    yuxian_target.refresh_from_db()
    assert (yuxian_target.value, yuxian_target.note, yuxian_target.updated_by) == (10, "调整", yangquan_clerk)
    html = client.get(url).content.decode()
    assert 'data-testid="target-history"' in html and "李建国" in html


def test_a_county_clerk_sets_a_towns_target_but_cannot_choose_their_own_county(departments, yuxian_clerk):
    client = _client(yuxian_clerk)
    url = reverse("monitoring:target_create")
    own = client.post(url, {"unit": "j:140322", "year": 2024, "measure": "net_increase", "value": 10})
    assert own.status_code == 200 and "unit" in own.context["form"].errors
    town = client.post(url, {"unit": "j:140322-xiushui", "year": 2024, "measure": "net_increase", "value": 4,
                             "citation": "盂促企组办发[2024]1号 二"})
    assert town.status_code == 302
    department = client.post(url, {"unit": "d:140322-gxj", "year": 2024, "measure": "net_increase", "value": 3})
    assert department.status_code == 302
    assert {(t.unit_name, t.value) for t in Target.objects.all()} == {("秀水镇", 4),
                                                                      (str(departments["yuxian_gxj"]), 3)}


@pytest.mark.usefixtures("departments")
def test_leaders_read_targets_but_set_none_and_enterprises_see_no_targets(
        yangquan_leader, enterprise_user, yuxian_target):
    leader = _client(yangquan_leader)
    assert leader.get(reverse("monitoring:targets")).status_code == 200
    assert leader.get(reverse("monitoring:target_create")).status_code == 403
    assert leader.get(reverse("monitoring:target", args=[yuxian_target.pk])).status_code == 404
    assert _client(enterprise_user).get(reverse("monitoring:targets")).status_code == 403
