from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enterprises.jurisdictions import JurisdictionFileError, jurisdictions_sync, load_jurisdiction_file
from enterprises.models import Department, DepartmentName, Jurisdiction

pytestmark = pytest.mark.django_db


def test_the_seed_tree_loads_with_its_departments_and_renames():
    call_command("load_jurisdictions")
    assert Jurisdiction.objects.get(name="秀水镇").path == "/140000/140300/140322/140322-xiushui/"
    pds = Jurisdiction.objects.get(key="410400")
    assert pds.children.count() == 12
    assert {"城乡一体化示范区", "高新区"} <= set(pds.children.values_list("name", flat=True))
    zone = Jurisdiction.objects.get(key="140300-gxq")
    assert zone.former_names[0]["name"] == "阳泉经济技术开发区"
    renamed = DepartmentName.objects.get(name="人行阳泉中心支行").department
    assert renamed.name_on(date(2024, 1, 1)) == "人行阳泉中心支行"
    assert renamed.name_on(date(2025, 1, 1)) == "中国人民银行阳泉市分行"
    assert Department.objects.get(key="140300-jrb").successor.name == "市政府办"
    assert Department.objects.filter(jurisdiction__key="140322", name="县工信局").exists()


def test_loading_twice_changes_nothing(capsys):
    call_command("load_jurisdictions")
    counts = (Jurisdiction.objects.count(), Department.objects.count(), DepartmentName.objects.count())
    assert jurisdictions_sync(load_jurisdiction_file())["changed"] == 0
    assert (Jurisdiction.objects.count(), Department.objects.count(), DepartmentName.objects.count()) == counts


@pytest.mark.parametrize("text,message", [
    ("jurisdictions:\n  - {key: a, name: 甲, level: planet, parent: null}\n", "level 应为"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: county, parent: zz}\n", "上级 “zz” 未在此前定义"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null}\n"
     "  - {key: a, name: 乙, level: province, parent: null}\n", "key “a” 重复"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null, former_names: [{name: 丙, until: 2024/11/22}]}\n",
     "日期应为YYYY-MM-DD"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null, former_names: [{name: 丙, until: 2024-13-01}]}\n",
     "文件无法解析"),
])
def test_a_bad_file_is_refused_naming_the_entry(tmp_path, text, message):
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(JurisdictionFileError, match=message):
        load_jurisdiction_file(path)
    with pytest.raises(CommandError, match=message):
        call_command("load_jurisdictions", file=path)
    assert not Jurisdiction.objects.exists()


def test_the_policies_and_check_settings_load_on_the_real_tree():
    call_command("load_jurisdictions")
    call_command("load_policies")
    call_command("load_check_policies")
    from django_celery_beat.models import PeriodicTask
    from monitoring.models import CheckPolicy
    assert CheckPolicy.objects.get(jurisdiction__key="410482").expected_count == 19
    assert PeriodicTask.objects.filter(name__startswith="monthly-check-").count() == 15
    assert PeriodicTask.objects.filter(name="warnings-escalation").exists()
