"""Cutting a jurisdiction's enterprises into parts for parallel jobs (enterprises.domain.parts)."""
import pytest

from enterprises.domain.parts import Part, pack, summed_counts
from enterprises.jurisdictions import subtree_parts


def test_neighbours_share_a_part_while_it_stays_within_the_size():
    assert pack([(1, 4), (2, 5), (3, 2), (4, 9)], 10) == [Part((1, 2), 9), Part((3,), 2), Part((4,), 9)]


def test_a_jurisdiction_larger_than_the_size_is_one_part_never_split():
    assert pack([(1, 3), (2, 25), (3, 3)], 10) == [Part((1,), 3), Part((2,), 25), Part((3,), 3)]


def test_jurisdictions_without_enterprises_are_left_out():
    assert pack([(1, 0), (2, 4), (3, 0)], 10) == [Part((2,), 4)]
    assert pack([], 10) == []


def test_the_parts_counts_add_up_key_by_key():
    assert summed_counts([{"created": 2, "exit_risk": 1}, None, {"created": 3, "unchanged": 4}, {}]) == {
        "created": 5, "exit_risk": 1, "unchanged": 4}


def test_the_size_must_be_positive():
    with pytest.raises(ValueError):
        pack([(1, 1)], 0)


@pytest.mark.django_db
def test_a_province_is_cut_along_its_counties_in_path_order(jurisdictions, make_enterprise):
    for _ in range(2):
        make_enterprise(jurisdiction="xiushui")
    make_enterprise(jurisdiction="nanlou")
    make_enterprise(jurisdiction="xiaoyi")
    make_enterprise(jurisdiction="xinhua")  # another province: not in 山西's parts
    j = jurisdictions
    # In path order: 阳泉市 (140300) before 吕梁市 (141100), so 盂县's towns before 孝义市.
    assert subtree_parts(j["shanxi"], 2) == [Part((j["nanlou"].pk,), 1), Part((j["xiushui"].pk,), 2),
                                             Part((j["xiaoyi"].pk,), 1)]
    assert subtree_parts(j["shanxi"], 100) == [Part((j["nanlou"].pk, j["xiushui"].pk, j["xiaoyi"].pk), 4)]
