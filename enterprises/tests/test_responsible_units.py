"""Responsible units (责任单位, issue 9 item 6): each named once, the user's own offered first
and grouped by jurisdiction, no city or provincial body offered for a county's enterprises, and
a unit for every demo enterprise from the units the seed documents name."""
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import new_credit_code
from enterprises.demo import PLACES, demo_plan
from enterprises.domain.units import unit_name
from enterprises.jurisdictions import load_jurisdiction_file
from enterprises.models import Department, Enterprise, Jurisdiction, Role, User


@pytest.mark.parametrize("place,name,shown", [
    ("盂县", "县工信局", "盂县工信局"),
    ("山西省", "山西省民营经济发展局", "山西省民营经济发展局"),
    ("山西省", "省工信厅", "山西省工信厅"),
    ("孝义市", "市中小企业服务中心", "孝义市中小企业服务中心"),
    ("孝义市", "中国人民银行孝义支行", "中国人民银行孝义支行"),
    ("阳泉市", "阳泉高新技术产业开发区管委会", "阳泉高新技术产业开发区管委会"),
    ("顺城区", "经济开发区经发局", "顺城区经济开发区经发局"),
    ("顺城区", "市生态环境局顺城区分局", "市生态环境局顺城区分局"),
    ("郏县", "县政府", "郏县政府"),
    ("城乡一体化示范区", "管委会", "城乡一体化示范区管委会"),
])
def test_a_unit_is_named_with_its_place_once(place, name, shown):
    assert unit_name(place, name) == shown


@pytest.fixture
def tree(db):
    call_command("load_jurisdictions", verbosity=0)
    return {j.key: j for j in Jurisdiction.objects.all()}


def _stem(name):
    return name[:-1] if len(name) > 2 and name[-1] in "省市县区镇乡" else name


def test_no_unit_of_the_seed_tree_names_its_place_twice(tree):
    units = list(Department.objects.select_related("jurisdiction"))
    assert len(units) == 87
    for unit in units:
        assert str(unit).count(_stem(unit.jurisdiction.name)) == 1, str(unit)
    shown = {d.key: str(d) for d in units}
    assert shown["140322-gxj"] == "盂县工信局" and shown["140000-myjjfzj"] == "山西省民营经济发展局"
    assert shown["410482-rmzf"] == "汝州市政府" and shown["410400-gxq-gwh"] == "高新区管委会"


def test_each_pingdingshan_county_and_zone_has_the_unit_the_document_makes_answer_for_its_enterprises(tree):
    counties = Jurisdiction.objects.filter(parent__key="410400")
    assert counties.count() == 12
    for county in counties:
        (unit,) = county.departments.all()
        assert unit.source == "平政办〔2022〕15号 附件2 三(一)、五(二)"
        assert unit.full_name.endswith("人民政府" if county.level == "county" else "管理委员会")


def _user(username, jurisdiction, role=Role.CENTER_STAFF):
    return User.objects.create_user(username=username, password="pw", role=role, jurisdiction=jurisdiction)


def _groups(client, user):
    """The responsible-unit field as the page renders it: [(optgroup, [option text, …]), …]."""
    client.force_login(user)
    html = client.get(reverse("enterprises:create")).content.decode()
    select = re.search(r'<select name="department".*?</select>', html, re.S).group(0)
    return [(label, re.findall(r"<option value=\"\d+\">([^<]*)</option>", body))
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)]


def test_a_county_clerk_is_offered_the_countys_own_units_named_once_and_no_city_or_province_body(client, tree):
    groups = _groups(client, _user("wangfang", tree["140322"]))
    assert [label for label, _options in groups] == ["盂县"]  # its towns and zone have no units of their own
    options = groups[0][1]
    assert {"盂县工信局", "盂县应急局", "盂县能源局", "盂县住建局", "盂县经济技术开发区", "盂县中小企业发展中心"} <= set(options)
    assert not any("县县" in o or "阳泉" in o or "山西" in o for o in options)


def test_a_town_or_zone_user_gets_the_units_of_the_county_that_runs_it(client, tree):
    assert [label for label, _ in _groups(client, _user("xiushui", tree["140322-xiushui"]))] == ["盂县"]
    zone = _groups(client, _user("gaoxin", tree["140300-gxq"]))
    assert [label for label, _ in zone] == ["阳泉市"]
    assert "阳泉高新技术产业开发区管委会" in zone[0][1]


def test_a_city_clerk_gets_the_citys_units_first_then_each_county_in_tree_order(client, tree):
    groups = _groups(client, _user("zhanglei", tree["410400"]))
    labels = [label for label, _ in groups]
    assert labels[0] == "平顶山市" and "平顶山市工业和信息化局" in groups[0][1]
    assert set(labels[1:]) == {j.name for j in Jurisdiction.objects.filter(parent__key="410400")}
    assert dict(groups)["汝州市"] == ["汝州市政府"] and dict(groups)["城乡一体化示范区"] == ["城乡一体化示范区管委会"]
    assert "河南省" not in labels


def test_a_unit_above_the_county_is_refused_for_a_county_enterprise(client, tree):
    clerk = _user("wangfang", tree["140322"])
    client.force_login(clerk)
    response = client.post(reverse("enterprises:create"), {
        "credit_code": new_credit_code(), "name": "盂县越级单位公司", "jurisdiction": tree["140322-xiushui"].pk,
        "department": Department.objects.get(key="140300-gxj").pk, "category": "industry"})
    assert response.status_code == 200 and response.context["form"].errors["department"]
    assert not Enterprise.objects.filter(name="盂县越级单位公司").exists()
    response = client.post(reverse("enterprises:create"), {
        "credit_code": new_credit_code(), "name": "盂县本县单位公司", "jurisdiction": tree["140322-xiushui"].pk,
        "department": Department.objects.get(key="140322-gxj").pk, "category": "industry"})
    assert response.status_code == 302
    assert str(Enterprise.objects.get(name="盂县本县单位公司").department) == "盂县工信局"


def test_an_enterprise_keeps_the_unit_it_has_when_its_form_is_saved(client, tree):
    """An enterprise registered earlier under a city body still shows it and saves unchanged."""
    clerk = _user("wangfang", tree["140322"])
    city_body = Department.objects.get(key="140300-gxj")
    enterprise = Enterprise.objects.create(credit_code=new_credit_code(), name="盂县旧单位公司",
                                           jurisdiction=tree["140322-xiushui"], department=city_body)
    client.force_login(clerk)
    form = client.get(reverse("enterprises:edit", args=[enterprise.pk])).context["form"]
    assert city_body in form.fields["department"].queryset


def test_every_demo_enterprise_gets_a_unit_the_seed_documents_name_in_its_own_area():
    entries = load_jurisdiction_file()
    unit_place = {d.key: e.key for e in entries for d in e.departments}
    parent = {e.key: e.parent for e in entries}

    def chain(key):
        while key:
            yield key
            key = parent[key]

    plans = demo_plan()
    assert {p.place for p in plans} == {place for place, *_ in PLACES}
    for plan in plans:
        assert plan.department in unit_place, (plan.place, plan.department)
        assert unit_place[plan.department] in chain(plan.place)  # its own place or the county/city above
    by_county = {p.place: p.department for p in plans if p.place.startswith("4104")}
    assert by_county["410482"] == "410482-rmzf" and by_county["410400-gxq"] == "410400-gxq-gwh"
