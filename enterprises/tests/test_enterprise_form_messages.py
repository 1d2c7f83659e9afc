"""The enterprise form says which field is wrong, and a duplicate credit code says
where the enterprise is registered: linked when the user may see it, and without
name, place or id when it is registered outside their scope."""
import re

import pytest
from django.urls import reverse

from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def create(client, jurisdictions, **data):
    form = {"credit_code": "", "name": "新登记企业", "jurisdiction": jurisdictions["xiushui"].pk,
            "category": "industry"}
    form.update(data)
    return client.post(reverse("enterprises:create"), form)


def test_each_error_names_its_field_and_the_summary_lists_them(client, yuxian_clerk, jurisdictions):
    client.force_login(yuxian_clerk)

    response = create(client, jurisdictions, credit_code="", name="")

    assert response.status_code == 200 and not Enterprise.objects.exists()
    html = response.content.decode()
    summary = re.search(r'<div[^>]*data-testid="error-summary".*?</div>', html, re.S).group(0)
    assert "统一社会信用代码" in summary and "企业名称" in summary and "该字段是必填项。" in summary
    assert 'href="#id_credit_code"' in summary and 'href="#id_name"' in summary
    for name, label in (("credit_code", "统一社会信用代码"), ("name", "企业名称")):
        error = re.search(rf'data-testid="error-{name}">(.*?)</span>', html, re.S).group(1)
        assert error.startswith(f"{label}：") and "该字段是必填项。" in error


def test_a_duplicate_in_scope_says_so_and_links_to_it(client, yuxian_clerk, jurisdictions, enterprises):
    existing = enterprises["yu_other"]
    client.force_login(yuxian_clerk)

    response = create(client, jurisdictions, credit_code=" " + existing.credit_code.lower())

    assert response.status_code == 200 and Enterprise.objects.count() == 3
    html = response.content.decode()
    error = re.search(r'data-testid="error-credit_code">(.*?)</span>', html, re.S).group(1)
    assert f"该统一社会信用代码已登记为企业“{existing.name}”" in error
    assert f'href="{reverse("enterprises:detail", args=[existing.pk])}"' in error
    assert "已存在" not in html


@pytest.mark.parametrize("persona,key", [("yuxian_clerk", "xiaoyi"), ("yuxian_department_user", "yu_other")])
def test_a_duplicate_outside_the_scope_reveals_nothing_about_it(client, all_personas, jurisdictions, enterprises,
                                                                departments, persona, key):
    existing = enterprises[key]
    user = all_personas[persona]
    client.force_login(user)
    data = {"department": departments["yuxian_gxj"].pk} if persona == "yuxian_department_user" else {}

    response = create(client, jurisdictions, credit_code=existing.credit_code, **data)

    assert response.status_code == 200 and Enterprise.objects.count() == 3
    html = response.content.decode()
    error = re.search(r'data-testid="error-credit_code">(.*?)</span>', html, re.S).group(1)
    assert "该统一社会信用代码已在其他辖区登记，请联系上级辖区的中小企业服务中心处理" in error
    assert existing.name not in html
    assert reverse("enterprises:detail", args=[existing.pk]) not in html
    assert "duplicate-link" not in html and "已存在" not in html
    assert str(existing.pk) not in error
    if key == "xiaoyi":
        assert existing.jurisdiction.name not in html and existing.department.name not in html
