"""The admin as back office: scoped lists, filters, search, and the audit history."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises import services
from enterprises.models import Department, Pool, Role, User


@pytest.fixture
def yuxian_back_office(jurisdictions):
    """A 盂县 clerk who was also given admin rights: still only 盂县."""
    user = User.objects.create_user("houtai", password="x", role=Role.CENTER_STAFF, is_staff=True,
                                    jurisdiction=jurisdictions["yuxian"])
    from django.contrib.auth.models import Permission
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="enterprises"))
    return user


def _admin_urls(objects):
    """Index, and for every registered model its list and add form; change, history and
    delete pages for the given objects."""
    from django.contrib import admin
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls += [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
                 reverse(f"admin:{meta.app_label}_{meta.model_name}_add")]
    for obj in objects:
        meta = obj._meta
        for view in ("change", "history", "delete"):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk]))
    return urls


def test_a_staff_account_with_admin_rights_cannot_reach_the_admin(client, yuxian_back_office, enterprises):
    """The admin is superuser-only (README): a 盂县 clerk given is_staff and every permission
    reaches no list, form, history or revert page, of its own enterprises or foreign ones."""
    client.force_login(yuxian_back_office)
    own, foreign = enterprises["yu_gxj"], enterprises["xiaoyi"]
    for url in _admin_urls([own, foreign, yuxian_back_office]):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    name = foreign.name
    response = client.post(reverse("admin:enterprises_enterprise_change", args=[foreign.pk]), {"name": "改名"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    foreign.refresh_from_db()
    assert foreign.name == name


def test_a_superuser_reaches_every_admin_page(client, admin_user, enterprises):
    """Every page opens; an add form a model admin refuses on purpose (axes' records) is a 403."""
    from django.contrib import admin
    refused = {reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_add")
               for m, model_admin in admin.site._registry.items()
               if not model_admin.has_add_permission(type("R", (), {"user": admin_user})())}
    client.force_login(admin_user)
    for url in _admin_urls([enterprises["yu_gxj"]]):
        assert client.get(url).status_code == (403 if url in refused else 200), url


def test_renaming_an_enterprise_in_the_admin_keeps_the_old_name(client, admin_user, enterprises):
    enterprise = enterprises["yu_gxj"]
    client.force_login(admin_user)
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"name": "盂县新耐材有限公司", "department": enterprise.department_id,
                 "jurisdiction": enterprise.jurisdiction_id, "established_on": ""})
    for prefix in ("names", "recognitions", "contacts"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    records = list(enterprise.names.order_by("pk").values_list("name", "valid_to"))
    assert [name for name, _ in records] == ["盂县耐火材料有限公司", "盂县新耐材有限公司"]
    assert records[0][1] is not None and records[1][1] is None


def test_the_admin_filters_by_jurisdiction_pool_category_and_status(client, admin_user, yuxian_clerk, enterprises):
    services.pool_move(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], pool=Pool.CULTIVATION, reason="x")
    client.force_login(admin_user)
    url = reverse("admin:enterprises_enterprise_changelist")
    by_pool = client.get(url, {"pool": Pool.CULTIVATION}).context["cl"].result_list
    assert [e.pk for e in by_pool] == [enterprises["yu_gxj"].pk]
    by_place = client.get(url, {"jurisdiction": "140322"}).context["cl"].result_list
    assert {e.pk for e in by_place} == {enterprises["yu_gxj"].pk, enterprises["yu_other"].pk}
    assert client.get(url, {"is_in_scale__exact": "1"}).context["cl"].result_count == 0
    assert client.get(url, {"category__exact": "industry"}).context["cl"].result_count == 3


def test_the_admin_searches_by_name_credit_code_and_former_name(client, admin_user, yuxian_clerk, enterprises):
    enterprise = enterprises["yu_gxj"]
    services.enterprise_update(user=yuxian_clerk, enterprise=enterprise, name="盂县新名材料公司", on=date(2024, 1, 1))
    client.force_login(admin_user)
    url = reverse("admin:enterprises_enterprise_changelist")
    for term in (enterprise.credit_code, "新名材料", "耐火材料"):
        assert [e.pk for e in client.get(url, {"q": term}).context["cl"].result_list] == [enterprise.pk], term


def test_the_admin_history_shows_who_changed_a_figure(client, admin_user, yuxian_clerk, enterprises):
    for revenue in ("1000000", "1300000"):
        change = services.monthly_figure_upsert(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], year=2024,
                                                month=6, values={"revenue": Decimal(revenue)})
    client.force_login(admin_user)
    html = client.get(reverse("admin:enterprises_monthlyfigure_history", args=[change.figure.pk])).content.decode()
    assert "xiaowang" in html and "1000000.00" in html and "1300000.00" in html


def test_renaming_a_department_in_the_admin_keeps_the_old_name(client, admin_user, departments):
    department = departments["yuxian_gxj"]
    client.force_login(admin_user)
    response = client.post(reverse("admin:enterprises_department_change", args=[department.pk]), {
        "key": department.key, "jurisdiction": department.jurisdiction_id, "name": "县工业和信息化局",
        "full_name": "", "source": "", "names-TOTAL_FORMS": "0", "names-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[:2000]
    department = Department.objects.get(pk=department.pk)
    assert department.name == "县工业和信息化局"
    assert list(department.names.values_list("name", flat=True)) == ["县工信局"]


def test_people_without_staff_rights_cannot_open_the_admin(client, yuxian_department_user):
    client.force_login(yuxian_department_user)
    assert client.get(reverse("admin:index")).status_code == 302
