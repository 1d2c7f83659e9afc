"""Every change of who may see what, and of the registry's reference data, keeps a
history with the acting user: users' roles and scope, jurisdictions, name records."""
from datetime import date

from django.urls import reverse

from enterprises import services
from enterprises.models import EnterpriseName, Jurisdiction, Role, User


def test_changing_a_users_role_and_scope_is_audited(client, admin_user, yuxian_clerk, jurisdictions):
    client.force_login(admin_user)
    url = reverse("admin:enterprises_user_change", args=[yuxian_clerk.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if k in form.fields and v is not None}
    data.update({"role": Role.LEADER, "jurisdiction": jurisdictions["yangquan"].pk, "date_joined_0": "2026-01-01",
                 "date_joined_1": "08:00:00", "last_login_0": "", "last_login_1": ""})
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("password", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = User.history.filter(id=yuxian_clerk.pk).latest("history_date")
    assert latest.history_user == admin_user
    assert (latest.role, latest.jurisdiction_id) == (Role.LEADER, jurisdictions["yangquan"].pk)
    assert latest.prev_record.role == Role.CENTER_STAFF
    assert "password" not in {f.name for f in User.history.model._meta.fields}


def test_a_jurisdiction_change_is_audited(client, admin_user, jurisdictions):
    nanlou = jurisdictions["nanlou"]
    client.force_login(admin_user)
    response = client.post(reverse("admin:enterprises_jurisdiction_change", args=[nanlou.pk]), {
        "key": nanlou.key, "code": "", "name": "南娄镇（新）", "level": nanlou.level, "parent": nanlou.parent_id,
        "former_names": "[]"})
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = Jurisdiction.history.filter(id=nanlou.pk).latest("history_date")
    assert (latest.name, latest.history_user) == ("南娄镇（新）", admin_user)


def test_name_records_are_audited_with_the_acting_user(yuxian_clerk, enterprises):
    services.enterprise_update(user=yuxian_clerk, enterprise=enterprises["yu_gxj"], name="盂县更名公司",
                               on=date(2025, 3, 1))
    created = EnterpriseName.history.filter(enterprise_id=enterprises["yu_gxj"].pk, history_type="+")
    assert {h.name for h in created} == {"盂县耐火材料有限公司", "盂县更名公司"}
    assert {h.history_user for h in created} == {yuxian_clerk}
