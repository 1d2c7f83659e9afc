"""Department staff keep what they register or edit under their own unit, in the form
as in the import and the services (else the enterprise leaves their sight)."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import new_credit_code
from enterprises import services
from enterprises.models import Department, Enterprise


@pytest.fixture
def provincial_bureau(jurisdictions):
    return Department.objects.create(key="140000-myj", jurisdiction=jurisdictions["shanxi"], name="山西省民营经济发展局")


def test_the_form_offers_only_their_own_unit(client, yuxian_department_user, departments, provincial_bureau):
    client.force_login(yuxian_department_user)
    form = client.get(reverse("enterprises:create")).context["form"]
    assert list(form.fields["department"].queryset) == [departments["yuxian_gxj"]]


def test_they_cannot_register_an_enterprise_under_another_unit(client, yuxian_department_user, jurisdictions,
                                                               provincial_bureau):
    client.force_login(yuxian_department_user)
    response = client.post(reverse("enterprises:create"), {
        "credit_code": new_credit_code(), "name": "越权登记公司", "jurisdiction": jurisdictions["xiushui"].pk,
        "department": provincial_bureau.pk, "category": "industry"})
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert not Enterprise.objects.filter(name="越权登记公司").exists()


def test_they_cannot_move_their_enterprise_to_another_unit(client, yuxian_department_user, enterprises,
                                                           departments, provincial_bureau):
    enterprise = enterprises["yu_gxj"]
    client.force_login(yuxian_department_user)
    for other in (provincial_bureau, departments["yuxian_yjj"]):
        response = client.post(reverse("enterprises:edit", args=[enterprise.pk]), {
            "name": enterprise.name, "jurisdiction": enterprise.jurisdiction_id, "department": other.pk,
            "category": enterprise.category})
        assert response.status_code == 200
        assert response.context["form"].errors["department"]
    enterprise.refresh_from_db()
    assert enterprise.department == departments["yuxian_gxj"]


def test_the_services_apply_the_same_rule(yuxian_department_user, enterprises, jurisdictions, departments):
    with pytest.raises(ValidationError) as error:
        services.enterprise_update(user=yuxian_department_user, enterprise=enterprises["yu_gxj"],
                                   department=departments["yuxian_yjj"])
    assert "县工信局" in str(error.value)
    with pytest.raises(ValidationError):
        services.enterprise_create(user=yuxian_department_user, credit_code=new_credit_code(), name="无单位公司",
                                   jurisdiction=jurisdictions["xiushui"], department=None)
    created = services.enterprise_create(user=yuxian_department_user, credit_code=new_credit_code(),
                                         name="本单位公司", jurisdiction=jurisdictions["xiushui"],
                                         department=departments["yuxian_gxj"])
    assert created.department == departments["yuxian_gxj"]


def test_center_staff_still_choose_any_unit_of_their_area(yuxian_clerk, enterprises, departments):
    services.enterprise_update(user=yuxian_clerk, enterprise=enterprises["yu_gxj"],
                               department=departments["yuxian_yjj"])
    assert Enterprise.objects.get(pk=enterprises["yu_gxj"].pk).department == departments["yuxian_yjj"]
