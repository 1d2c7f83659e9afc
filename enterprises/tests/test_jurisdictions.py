from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enterprises.jurisdictions import (
    DATA_FILE,
    JurisdictionFileError,
    jurisdictions_sync,
    load_jurisdiction_file,
)
from enterprises.models import Department, DepartmentName, Jurisdiction

pytestmark = pytest.mark.django_db

ROW_COUNTS = (
    lambda: Jurisdiction.objects.count(), lambda: Department.objects.count(),
    lambda: DepartmentName.objects.count(), lambda: Department.history.count(),
)


def test_the_file_parses_into_typed_entries_without_a_database():
    entries = load_jurisdiction_file()
    by_key = {e.key: e for e in entries}
    assert by_key["140322-xiushui"].parent == "140322" and by_key["140322-xiushui"].code is None
    assert by_key["140300-gxq"].former_names[0].until == date(2024, 11, 22)
    assert {d.key for d in by_key["140322"].departments} >= {"140322-gxj", "140322-yjj", "140322-nyj", "140322-zjj"}


def test_the_seed_tree_loads_with_codes_paths_and_zones():
    call_command("load_jurisdictions", verbosity=0)
    xiushui = Jurisdiction.objects.get(name="秀水镇")
    assert xiushui.path == "/140000/140300/140322/140322-xiushui/"
    assert [j.code for j in xiushui.ancestors()] == ["140000", "140300", "140322", None]
    assert Jurisdiction.objects.get(code="141181").full_name() == "山西省吕梁市孝义市"
    pds = Jurisdiction.objects.get(key="410400")
    assert pds.children.count() == 12
    zones = set(pds.children.filter(level="zone").values_list("name", flat=True))
    assert zones == {"城乡一体化示范区", "高新区"}
    assert Jurisdiction.objects.get(name="顺城区").path == "/210000/210400/210411/"


def test_the_yangquan_renames_are_recorded_with_their_dates():
    call_command("load_jurisdictions", verbosity=0)
    zone = Jurisdiction.objects.get(key="140300-gxq")
    assert zone.name == "阳泉高新技术产业开发区"
    assert zone.former_names == [{"name": "阳泉经济技术开发区", "until": "2024-11-22",
                                  "source": "阳泉市 修改意见(征求意见稿) 2024-11-22 第2、15条"}]
    committee = Department.objects.get(key="140300-gxqgwh")
    assert committee.name_on(date(2024, 11, 21)) == "阳泉经济技术开发区"
    assert committee.name_on(date(2024, 11, 22)) == "阳泉高新技术产业开发区管委会"
    bank = DepartmentName.objects.get(name="人行阳泉中心支行")
    assert bank.valid_to == date(2024, 11, 22) and "15(3)" in bank.source
    assert bank.department.name_on(date(2024, 1, 1)) == "人行阳泉中心支行"
    assert bank.department.name_on(date(2025, 1, 1)) == "中国人民银行阳泉市分行"


def test_departments_hang_under_their_jurisdiction_with_successors_and_sme_centers():
    call_command("load_jurisdictions", verbosity=0)
    assert Department.objects.get(key="140300-jrb").successor == Department.objects.get(key="140300-zfb")
    yuxian = set(Department.objects.filter(jurisdiction__key="140322").values_list("name", flat=True))
    assert {"县工信局", "县应急局", "县能源局", "县住建局", "县经济技术开发区"} <= yuxian
    centers = Department.objects.filter(is_sme_center=True)
    assert set(centers.values_list("jurisdiction__key", flat=True)) == {"141181", "140300", "140322"}
    assert Department.objects.get(key="141181-zxqyfwzx").full_name == "孝义市中小企业服务中心"


def test_loading_twice_changes_nothing(capsys):
    call_command("load_jurisdictions")
    first = capsys.readouterr().out
    assert "行政区域 33 个" in first and "本次新增 124 项，更新 0 项" in first
    before = [count() for count in ROW_COUNTS]
    counts = jurisdictions_sync(load_jurisdiction_file())
    assert (counts["created"], counts["updated"]) == (0, 0)
    assert [count() for count in ROW_COUNTS] == before
    call_command("load_jurisdictions")
    assert "本次新增 0 项，更新 0 项" in capsys.readouterr().out


def test_a_changed_file_updates_rows_in_place_and_moves_subtrees(tmp_path):
    call_command("load_jurisdictions", verbosity=0)
    text = DATA_FILE.read_text(encoding="utf-8")
    # 盂县 moves under 吕梁市 (a made-up reorganisation) and 县工信局 gets its full title.
    text = text.replace('    name: 盂县\n    level: county\n    parent: "140300"',
                        '    name: 盂县\n    level: county\n    parent: "141100"')
    text = text.replace("        name: 县工信局\n", "        name: 县工业和信息化局\n")
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    counts = jurisdictions_sync(load_jurisdiction_file(path))
    assert counts["created"] == 0
    assert Jurisdiction.objects.get(key="140322-xiushui").path == "/140000/141100/140322/140322-xiushui/"
    assert Department.objects.get(key="140322-gxj").name == "县工业和信息化局"
    assert counts["updated"] == 1 + 8 + 1  # 盂县, its 8 towns and zone follow, the department


@pytest.mark.parametrize("text,message", [
    ("jurisdictions:\n  - {key: a, name: 甲, level: planet, parent: null}\n",
     "第1个区域（甲） 的 level：应为 province、city、county、town、zone 之一，实际为“planet”"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null}\n"
     "  - {key: b, name: 乙, level: county, parent: zz}\n",
     "第2个区域（乙） 的 parent：上级 “zz” 未在此前定义"),
    ("jurisdictions:\n  - {key: b, name: 乙, level: county, parent: a}\n"
     "  - {key: a, name: 甲, level: province, parent: null}\n",
     "第1个区域（乙） 的 parent：上级 “a” 未在此前定义"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null}\n"
     "  - {key: a, name: 乙, level: province, parent: null}\n",
     "第2个区域（乙） 的 key：“a” 重复"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null,"
     " former_names: [{name: 丙, until: 2024/11/22}]}\n",
     "第1个区域（甲） 的第1个曾用名 的 until：日期应为YYYY-MM-DD，实际为“2024/11/22”"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: province, parent: null,"
     " former_names: [{name: 丙, until: 2024-13-01}]}\n",
     "第1个区域（甲） 的第1个曾用名 的 until：日期应为YYYY-MM-DD，实际为“2024-13-01”"),
    ("jurisdictions:\n  - {key: a, level: province, parent: null}\n", "第1个区域（a） 的 name：不能为空"),
    ("jurisdictions:\n  - {key: a, code: '1400', name: 甲, level: province, parent: null}\n",
     "第1个区域（甲） 的 code：应为6位行政区划代码或 null"),
    ("jurisdictions:\n  - {key: a, name: 甲, level: city, parent: null}\n", "第1个区域（甲） 的 parent：只有省级区域可以没有上级"),
    ("jurisdictions:\n  - key: a\n    name: 甲\n    level: province\n    parent: null\n    departments:\n"
     "      - {key: d, name: 局}\n      - {key: d, name: 办}\n",
     "第1个区域（甲） 的第2个责任单位（办） 的 key：“d” 重复"),
    ("jurisdictions:\n  - key: a\n    name: 甲\n    level: province\n    parent: null\n    departments:\n"
     "      - {key: d, name: 局, successor: nowhere}\n",
     "第1个区域（甲） 的第1个责任单位（局） 的 successor：责任单位 “nowhere” 不存在"),
    ("jurisdictions:\n  - key: a\n    name: 甲\n    level: province\n    parent: null\n    departments:\n"
     "      - {key: d, name: 局, former_names: [{name: 旧局, until: 2024-02-30}]}\n",
     "第1个区域（甲） 的第1个责任单位（局） 的第1个曾用名 的 until：日期应为YYYY-MM-DD"),
    ("regions: []\n", "缺少 jurisdictions 列表"),
    ("jurisdictions: [\n", "文件无法读取或解析"),
])
def test_a_bad_file_is_refused_naming_the_entry_and_field(tmp_path, text, message):
    path = tmp_path / "j.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(JurisdictionFileError) as error:
        load_jurisdiction_file(path)
    assert message in str(error.value)
    with pytest.raises(CommandError, match="文件无法读取或解析|的|缺少"):
        call_command("load_jurisdictions", file=path)
    assert not Jurisdiction.objects.exists()


def test_the_policy_and_check_settings_loaders_find_every_place_they_name():
    call_command("load_jurisdictions", verbosity=0)
    call_command("load_policies", verbosity=0)
    call_command("load_check_policies", verbosity=0)
    from django_celery_beat.models import PeriodicTask

    from monitoring.models import CheckPolicy
    assert CheckPolicy.objects.get(jurisdiction__key="410482").expected_count == 19
    # One monthly schedule per policy in monitoring/data/check_policies.yaml, plus the daily escalation.
    assert PeriodicTask.objects.filter(name__startswith="monthly-check-").count() == CheckPolicy.objects.count() == 15
    assert PeriodicTask.objects.filter(name="warnings-escalation").exists()
