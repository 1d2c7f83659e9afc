"""Shared personas and a small jurisdiction tree for every test module.

People (healthchecks style):
  - 小李 (xiaoyi_clerk): SME-center clerk of 孝义市
  - 小王 (yuxian_clerk): SME-center clerk of 盂县
  - 老陈 (yuxian_chief): head of the 盂县 center, approves what 小王 reviewed (a second clerk)
  - 小周 (yuxian_finance): 盂县 finance (财政拨付人员), reads like a leader, records payments
  - 老赵 (yangquan_leader): leader of 阳泉市, read-only over 盂县 and the rest of 阳泉
  - 小孙 (yuxian_department_user): staff of 盂县工信局, sees that department's enterprises only
  - 钱总 (enterprise_user): account of one 盂县 enterprise
  - 接口 (api_client): integration account scoped to 阳泉市
"""
import itertools
from datetime import date

import pytest

from enterprises.domain.credit_code import make as make_credit_code
from enterprises.models import Department, Enterprise, Jurisdiction, Role, User

_serial = itertools.count(1)


def new_credit_code(division: str = "140322") -> str:
    return make_credit_code(f"91{division}{next(_serial):08d}")


@pytest.fixture
def jurisdictions(db):
    def add(key, name, level, parent=None, code=None):
        return Jurisdiction.objects.create(key=key, code=code, name=name, level=level, parent=parent)

    shanxi = add("140000", "山西省", "province", code="140000")
    lvliang = add("141100", "吕梁市", "city", shanxi, "141100")
    xiaoyi = add("141181", "孝义市", "county", lvliang, "141181")
    yangquan = add("140300", "阳泉市", "city", shanxi, "140300")
    yuxian = add("140322", "盂县", "county", yangquan, "140322")
    xiushui = add("140322-xiushui", "秀水镇", "town", yuxian)
    nanlou = add("140322-nanlou", "南娄镇", "town", yuxian)
    yuxian_zone = add("140322-kfq", "县经济技术开发区", "zone", yuxian)
    henan = add("410000", "河南省", "province", code="410000")
    pds = add("410400", "平顶山市", "city", henan, "410400")
    xinhua = add("410402", "新华区", "county", pds, "410402")
    ruzhou = add("410482", "汝州市", "county", pds, "410482")
    liaoning = add("210000", "辽宁省", "province", code="210000")
    fushun = add("210400", "抚顺市", "city", liaoning, "210400")
    shuncheng = add("210411", "顺城区", "county", fushun, "210411")
    return {
        "shanxi": shanxi, "lvliang": lvliang, "xiaoyi": xiaoyi, "yangquan": yangquan, "yuxian": yuxian,
        "xiushui": xiushui, "nanlou": nanlou, "yuxian_zone": yuxian_zone, "henan": henan, "pds": pds,
        "xinhua": xinhua, "ruzhou": ruzhou, "liaoning": liaoning, "fushun": fushun, "shuncheng": shuncheng,
    }


@pytest.fixture
def policies_loaded(jurisdictions):
    """The real rule catalog, copied into the database as `load_policies` does."""
    from policies.catalog import load_catalog
    from policies.services import catalog_sync
    return catalog_sync(load_catalog())


@pytest.fixture
def departments(jurisdictions):
    return {
        "yuxian_gxj": Department.objects.create(key="140322-gxj", jurisdiction=jurisdictions["yuxian"], name="县工信局"),
        "yuxian_yjj": Department.objects.create(key="140322-yjj", jurisdiction=jurisdictions["yuxian"], name="县应急局"),
        "xiaoyi_center": Department.objects.create(key="141181-zxqy", jurisdiction=jurisdictions["xiaoyi"],
                                                   name="市中小企业服务中心", is_sme_center=True),
    }


@pytest.fixture
def make_enterprise(jurisdictions):
    def make(name="测试企业", jurisdiction="xiushui", department=None, **fields):
        j = jurisdictions[jurisdiction] if isinstance(jurisdiction, str) else jurisdiction
        return Enterprise.objects.create(
            credit_code=fields.pop("credit_code", None) or new_credit_code(),
            name=name, jurisdiction=j, department=department, **fields)
    return make


@pytest.fixture
def enterprises(make_enterprise, departments):
    """Three enterprises: two in 盂县 (one under 县工信局), one in 孝义市."""
    return {
        "yu_gxj": make_enterprise("盂县耐火材料有限公司", "xiushui", departments["yuxian_gxj"]),
        "yu_other": make_enterprise("盂县石料加工厂", "nanlou", departments["yuxian_yjj"]),
        "xiaoyi": make_enterprise("孝义铝业有限公司", "xiaoyi", departments["xiaoyi_center"]),
    }


def _user(username, role, **scope):
    user = User.objects.create_user(username=username, password="pw-" + username, role=role, **scope)
    return user


@pytest.fixture
def xiaoyi_clerk(jurisdictions):
    return _user("xiaoli", Role.CENTER_STAFF, jurisdiction=jurisdictions["xiaoyi"])


@pytest.fixture
def yuxian_clerk(jurisdictions):
    return _user("xiaowang", Role.CENTER_STAFF, jurisdiction=jurisdictions["yuxian"])


@pytest.fixture
def yuxian_chief(jurisdictions):
    return _user("laochen", Role.CENTER_STAFF, jurisdiction=jurisdictions["yuxian"], first_name="陈刚")


@pytest.fixture
def yuxian_finance(jurisdictions):
    return _user("xiaozhou", Role.FINANCE, jurisdiction=jurisdictions["yuxian"], first_name="周丽")


@pytest.fixture
def yangquan_leader(jurisdictions):
    return _user("laozhao", Role.LEADER, jurisdiction=jurisdictions["yangquan"])


@pytest.fixture
def yuxian_department_user(departments):
    return _user("xiaosun", Role.DEPARTMENT_STAFF, department=departments["yuxian_gxj"])


@pytest.fixture
def enterprise_user(enterprises):
    return _user("qianzong", Role.ENTERPRISE, enterprise=enterprises["yu_gxj"])


@pytest.fixture
def api_client_user(jurisdictions):
    return _user("jiekou", Role.API_CLIENT, jurisdiction=jurisdictions["yangquan"])


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser(username="admin", password="pw-admin", email="admin@example.com")


@pytest.fixture
def all_personas(xiaoyi_clerk, yuxian_clerk, yangquan_leader, yuxian_department_user, enterprise_user,
                 api_client_user, yuxian_finance):
    return {
        "xiaoyi_clerk": xiaoyi_clerk, "yuxian_clerk": yuxian_clerk, "yangquan_leader": yangquan_leader,
        "yuxian_department_user": yuxian_department_user, "enterprise_user": enterprise_user,
        "api_client": api_client_user, "yuxian_finance": yuxian_finance,
    }


# What each persona may see among the `enterprises` fixture: the scoping contract.
VISIBLE = {
    "xiaoyi_clerk": {"xiaoyi"},
    "yuxian_clerk": {"yu_gxj", "yu_other"},
    "yangquan_leader": {"yu_gxj", "yu_other"},
    "yuxian_department_user": {"yu_gxj"},
    "enterprise_user": {"yu_gxj"},
    "api_client": {"yu_gxj", "yu_other"},
    "yuxian_finance": {"yu_gxj", "yu_other"},
}
WRITERS = {"xiaoyi_clerk", "yuxian_clerk", "yuxian_department_user"}

FIRST_OF_2024 = date(2024, 1, 1)
