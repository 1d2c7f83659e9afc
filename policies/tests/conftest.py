from datetime import date

import pytest

from enterprises.domain.scale import Event
from policies.catalog import load_catalog
from policies.engine import EnterpriseFacts, evaluate, rule_versions

PATHS = {
    "yuxian": ("140000", "140300", "140322", "140322-xiushui"),
    "yangquan_zone": ("140000", "140300", "140300-gxq"),
    "xiaoyi": ("140000", "141100", "141181"),
    "xinhua": ("410000", "410400", "410402"),
    "ruzhou": ("410000", "410400", "410482"),
    "shilong": ("410000", "410400", "410404"),
    "gaoxin": ("410000", "410400", "410400-gxq"),
    "shuncheng": ("210000", "210400", "210411"),
}


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture(scope="session")
def live_versions(catalog):
    return rule_versions(catalog.rules, catalog.amendments)


def facts(place="yuxian", events=(), **kwargs):
    return EnterpriseFacts(key="E1", name="甲公司", jurisdiction_path=PATHS[place],
                           scale_events=tuple(Event(k, d, n) for k, d, n in events) if events is not None else None,
                           **kwargs)


def entered(day, kind="first_entry", name="甲公司"):
    return (kind, day, name)


def exited(day, name="甲公司"):
    return ("exit", day, name)


@pytest.fixture
def decide(catalog, live_versions):
    def run(f, year, versions=None):
        return {d.rule_key: d for d in evaluate(f, versions or live_versions, year, catalog.splits)}
    return run
