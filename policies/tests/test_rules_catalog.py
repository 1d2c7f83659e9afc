"""The rule catalog loader (policies/catalog.py): bad files are refused with a Chinese message naming the
file, the rule and the field; the real catalog is consistent with its sources and the jurisdiction tree."""
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

from policies.catalog import Catalog, CatalogError, check_references, load_catalog, parse_document

JURISDICTIONS_FILE = Path(__file__).resolve().parents[2] / "enterprises" / "data" / "jurisdictions.yaml"

DOC = """
document:
  key: {key}
  number: 测试文号〔2024〕1号
  title: 测试文件
  jurisdiction: "140000"
  effective_from: 2024-01-01
  status: in_force
clauses:
  - path: 一
    text: 对首次“小升规”的工业企业奖励10万元。
rules:
{rules}
"""

RULE = """  - key: {key}
    kind: entry_award
    title: 测试奖励
    clause: 一
    amount: 100000
    payers: [{{payer: 山西省财政, share: 1}}]
    params: {{entry_kinds: [first_entry]}}
"""


def doc_text(rules=None, key="t-doc"):
    return DOC.format(key=key, rules=RULE.format(key="r1") if rules is None else rules)


def parse(text, where="t.yaml"):
    return parse_document(yaml.safe_load(text), where, text_dir=None)


def refused(text, where="t.yaml") -> str:
    with pytest.raises(CatalogError) as excinfo:
        parse(text, where)
    return str(excinfo.value)


def one_rule(**fields):
    """RULE with some fields replaced (value None = line removed)."""
    lines = RULE.format(key="r1").rstrip("\n").split("\n")
    out = []
    for line in lines:
        name = line.strip().lstrip("- ").split(":")[0]
        if name in fields:
            if fields[name] is None:
                continue
            prefix = "  - " if line.startswith("  - ") else "    "
            out.append(f"{prefix}{name}: {fields.pop(name)}")
        else:
            out.append(line)
    out += [f"    {k}: {v}" for k, v in fields.items() if v is not None]
    return "\n".join(out) + "\n"


# -- the template itself is valid ----------------------------------------------------------

def test_the_minimal_document_parses():
    document = parse(doc_text())
    assert document.key == "t-doc" and [r.key for r in document.rules] == ["r1"]
    rule = document.rules[0]
    assert str(rule.amount) == "100000" and rule.payers[0].payer == "山西省财政"
    assert str(rule.citation) == "测试文号〔2024〕1号 一"
    assert rule.valid_from.isoformat() == "2024-01-01"  # from the document's effective_from
    check_references(Catalog([document]))


# -- refusals: each names the file, the rule and the field ---------------------------------

def test_an_unknown_kind_is_refused():
    message = refused(doc_text(one_rule(kind="bogus_award")))
    assert "t.yaml" in message and "r1" in message and "kind" in message and "bogus_award" in message
    assert "未知的规则类型" in message and "entry_award" in message  # lists the valid kinds


def test_an_entry_award_without_amount_is_refused():
    message = refused(doc_text(one_rule(amount=None)))
    assert "t.yaml" in message and "r1" in message and "amount" in message and "须写" in message


def test_an_entry_award_without_amount_but_with_an_amount_note_is_accepted():
    """Like 辽政发〔2023〕1号: amount left open when params.amount_note says why."""
    rule = parse(doc_text(one_rule(amount=None, params="{entry_kinds: [first_entry], amount_note: 以实际发放为准}")))
    assert rule.rules[0].amount is None


def test_payer_shares_not_summing_to_one_are_refused():
    message = refused(doc_text(one_rule(payers="[{payer: 山西省财政, share: 0.5}, {payer: 阳泉市财政, share: 0.4}]")))
    assert "t.yaml" in message and "r1" in message and "payers" in message and "share 之和应为1" in message
    assert "0.9" in message


def test_a_payer_share_above_one_is_refused():
    message = refused(doc_text(one_rule(payers="[{payer: 山西省财政, share: 1.5}]")))
    assert "t.yaml" in message and "r1" in message and "share 应在0到1之间" in message


def test_an_award_with_an_amount_and_no_payers_is_refused():
    message = refused(doc_text(one_rule(payers=None)))
    assert "t.yaml" in message and "r1" in message and "payers" in message


def test_local_payer_without_split_is_refused():
    message = refused(doc_text(one_rule(payers='[{payer: "@local", share: 1}]')))
    assert "t.yaml" in message and "r1" in message and "@local" in message and "split" in message


def test_valid_to_before_valid_from_is_refused():
    message = refused(doc_text(one_rule(valid_from="2024-06-01", valid_to="2024-05-31")))
    assert "t.yaml" in message and "r1" in message
    assert "valid_to 2024-05-31 早于 valid_from 2024-06-01" in message


def test_valid_to_equal_to_valid_from_is_accepted():
    rule = parse(doc_text(one_rule(valid_from="2024-06-01", valid_to="2024-06-01"))).rules[0]
    assert rule.valid_from == rule.valid_to


@pytest.mark.parametrize("value", ['"2024-02-30"', '"2024/01/01"', "明年"])
def test_a_bad_date_is_refused(value):
    message = refused(doc_text(one_rule(valid_from=value)))
    assert "t.yaml" in message and "r1" in message and "valid_from" in message
    assert "应为 YYYY-MM-DD 日期" in message and value.strip('"') in message


def test_a_bad_document_date_is_refused():
    message = refused(doc_text().replace("effective_from: 2024-01-01", 'effective_from: "2024-13-01"'))
    assert "t.yaml document" in message and "effective_from" in message and "2024-13-01" in message


def test_a_clause_not_among_the_clauses_is_refused():
    message = refused(doc_text(one_rule(clause="九")))
    assert "t.yaml" in message and "r1" in message and "clause “九” 不在本文件的 clauses 中" in message


def test_a_missing_required_parameter_is_refused():
    rule = one_rule(kind="continued_in_scale_award", params="{requires_first_entry: true}")
    message = refused(doc_text(rule))
    assert "t.yaml" in message and "r1" in message and "缺少参数 year_in_scale" in message


def test_a_non_numeric_or_negative_amount_is_refused():
    assert "金额应为数字" in refused(doc_text(one_rule(amount="十万")))
    message = refused(doc_text(one_rule(amount="-1")))
    assert "r1" in message and "amount" in message and "不能为负数" in message


def test_duplicate_rule_keys_in_one_file_are_refused():
    message = refused(doc_text(RULE.format(key="r1") + RULE.format(key="r1")))
    assert "t.yaml" in message and "r1" in message and "重复" in message


def test_a_rule_without_a_key_is_refused():
    message = refused(doc_text(one_rule(key=None).replace("    kind:", "  - kind:", 1)))
    assert "t.yaml rules[0]" in message and "缺少 key" in message


def test_an_unknown_status_or_missing_document_section_is_refused():
    assert "status 应为" in refused(doc_text().replace("status: in_force", "status: proposed"))
    assert "缺少 document 段" in refused("rules: []")


def test_an_undefined_split_is_refused_across_the_catalog():
    document = parse(doc_text(one_rule(payers='[{payer: "@local", share: 1}]', split="nowhere")))
    with pytest.raises(CatalogError) as excinfo:
        check_references(Catalog([document]))
    assert "t.yaml" in str(excinfo.value) and "r1" in str(excinfo.value) and "split “nowhere” 未定义" in str(excinfo.value)


def write(directory, name, text):
    (directory / name).write_text(text, encoding="utf-8")


AMENDMENT = """
document:
  key: b-doc
  number: 修改意见
  jurisdiction: "140000"
  status: draft
  amends: {amends}
clauses:
  - path: "1"
    text: 提请删除第一条。
amendments:
  - {{rule: {rule}, action: delete, by: "1"}}
"""


def test_an_amendment_of_an_unknown_rule_is_refused(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "b.yaml", AMENDMENT.format(amends="a-doc", rule="no-such-rule"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    message = str(excinfo.value)
    assert "b.yaml" in message and "no-such-rule" in message and "不存在" in message


def test_an_amendment_of_an_unknown_document_is_refused(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "b.yaml", AMENDMENT.format(amends="z-doc", rule="r1"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "b.yaml" in str(excinfo.value) and "amends “z-doc” 不是已知文件" in str(excinfo.value)


def test_an_amendment_citing_an_item_it_does_not_have_is_refused(tmp_path):
    write(tmp_path, "b.yaml", AMENDMENT.format(amends="a-doc", rule="r1").replace('by: "1"', 'by: "9"'))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "b.yaml amendments[0]" in str(excinfo.value) and "by “9” 不是本文件的条款" in str(excinfo.value)


def test_a_valid_amendment_loads(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "b.yaml", AMENDMENT.format(amends="a-doc", rule="r1"))
    catalog = load_catalog(tmp_path)
    assert [(c.rule_key, c.action, c.clause) for c in catalog.amendments[0].changes] == [("r1", "delete", "1")]


def test_a_yaml_syntax_error_names_the_file(tmp_path):
    write(tmp_path, "broken.yaml", "document: [unclosed\n")
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "broken.yaml" in str(excinfo.value) and "YAML格式错误" in str(excinfo.value)


def test_duplicate_rule_keys_across_files_are_refused(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "c.yaml", doc_text(key="c-doc"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "r1" in str(excinfo.value) and "重复" in str(excinfo.value)


def test_duplicate_rule_keys_across_files_name_the_files(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "c.yaml", doc_text(key="c-doc"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "a.yaml" in str(excinfo.value) and "c.yaml" in str(excinfo.value)


def test_duplicate_document_keys_are_refused(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="same"))
    write(tmp_path, "c.yaml", doc_text(RULE.format(key="r2"), key="same"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "same" in str(excinfo.value) and "重复" in str(excinfo.value)


LOCAL = """
document:
  key: l-doc
  number: 孝政办发测试
  jurisdiction: "141181"
  effective_from: 2022-11-25
  status: in_force
clauses:
  - path: 三(四)
    text: 对已入规退库只变更企业名称再次入规的企业不予享受财政奖励。
local_conditions:
  - {{rule: {rule}, clause: {clause}, excluded: {{{kind}: 不予享受财政奖励}}}}
"""


def test_a_local_condition_binds_in_its_documents_jurisdiction_from_its_effective_date(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "l.yaml", LOCAL.format(rule="r1", clause="三(四)", kind="name_change_reentry"))
    catalog = load_catalog(tmp_path)
    [rule] = catalog.rules
    [condition] = rule.local_conditions
    assert (condition.jurisdiction, condition.valid_from, str(condition.citation)) == (
        "141181", date(2022, 11, 25), "孝政办发测试 三(四)")
    assert condition.excluded == {"name_change_reentry": "不予享受财政奖励"}


def test_a_local_condition_on_an_unknown_rule_is_refused(tmp_path):
    write(tmp_path, "a.yaml", doc_text(key="a-doc"))
    write(tmp_path, "l.yaml", LOCAL.format(rule="no-such-rule", clause="三(四)", kind="name_change_reentry"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "l.yaml" in str(excinfo.value) and "no-such-rule" in str(excinfo.value) and "不存在" in str(excinfo.value)


def test_a_local_condition_with_an_unknown_entry_kind_or_clause_is_refused():
    message = refused(LOCAL.format(rule="r1", clause="三(四)", kind="spin_off"), "l.yaml")
    assert "l.yaml local_conditions[0]" in message and "spin_off" in message and "name_change_reentry" in message
    message = refused(LOCAL.format(rule="r1", clause="九", kind="reentry"), "l.yaml")
    assert "clause “九” 不在本文件的 clauses 中" in message


TARGET = """
document:
  key: a-doc
  number: 原文
  jurisdiction: "140300"
  effective_from: 2021-01-01
  status: in_force
clauses:
  - path: 二(二)4
    text: 实行市级奖励配套政策。
    responsible_units: [市统计局]
"""
UNITS = """
document:
  key: b-doc
  number: 修改意见
  jurisdiction: "140300"
  status: draft
  amends: a-doc
clauses:
  - path: "3"
    text: 将“市统计局”从责任单位中删除。其他责任单位不变。
clause_changes:
  - {{clause: 二(二)4, action: change, by: "3"{extra}}}
"""


def test_a_clause_change_may_change_the_responsible_units_only(tmp_path):
    write(tmp_path, "a.yaml", TARGET)
    write(tmp_path, "b.yaml", UNITS.format(extra=", units: {remove: [市统计局]}"))
    [change] = load_catalog(tmp_path).document("b-doc").clause_changes
    assert (change.action, change.text, change.units) == ("change", "", {"remove": ["市统计局"]})


def test_a_unit_change_naming_a_unit_the_clause_does_not_list_is_refused(tmp_path):
    """An amendment removing or renaming a unit the clause does not have means a unit was invented somewhere."""
    write(tmp_path, "a.yaml", TARGET)
    write(tmp_path, "b.yaml", UNITS.format(extra=", units: {rename: {市财政局: 市中小企业发展中心}}"))
    with pytest.raises(CatalogError) as excinfo:
        load_catalog(tmp_path)
    assert "b.yaml" in str(excinfo.value) and "市财政局" in str(excinfo.value) and "二(二)4" in str(excinfo.value)


@pytest.mark.parametrize("extra, words", [("", "须写修改后的 text 或责任单位的修改 units"),
                                          (", units: {add: [市工信局]}", "units 只能写 remove"),
                                          (", units: {remove: 市统计局}", "units.remove 应为责任单位名称的列表")])
def test_a_clause_change_without_text_or_with_bad_units_is_refused(extra, words):
    message = refused(UNITS.format(extra=extra), "b.yaml")
    assert "b.yaml clause_changes[0]" in message and words in message


# -- the real catalog ----------------------------------------------------------------------

REAL = load_catalog()


def jurisdiction_tree():
    data = yaml.safe_load(JURISDICTIONS_FILE.read_text(encoding="utf-8"))
    return {j["key"]: j for j in data["jurisdictions"]}


def ancestors(key, tree):
    chain = []
    while key is not None:
        chain.append(key)
        key = tree[key]["parent"]
    return chain


def test_every_rule_cites_a_clause_with_text_in_its_document(catalog):
    for document in catalog.documents:
        texts = {c.path: c.text for c in document.clauses}
        for rule in document.rules:
            assert rule.citation.document_key == document.key, rule.key
            assert rule.citation.clause in texts, rule.key
            assert texts[rule.citation.clause].strip(), rule.key


def test_every_rule_with_an_amount_has_payers_summing_to_one(catalog):
    for rule in catalog.rules:
        if rule.amount is not None or rule.kind in ("grade_award", "listing_award", "refinancing_award"):
            assert rule.payers, rule.key
            assert sum(p.share for p in rule.payers) == 1, rule.key
        if rule.kind in ("treated_as_entry", "non_cash_benefit"):
            assert rule.amount is None and not rule.payers, rule.key  # no money in these clauses


def test_every_local_payer_has_a_split(catalog):
    for rule in catalog.rules:
        if any(p.payer == "@local" for p in rule.payers):
            assert rule.split in catalog.splits, rule.key


def test_every_document_and_rule_jurisdiction_is_in_the_tree(catalog):
    tree = jurisdiction_tree()
    for document in catalog.documents:
        assert document.jurisdiction in tree, document.key
    for rule in catalog.rules:
        assert rule.jurisdiction in tree, rule.key


def test_every_rule_belongs_to_its_documents_territory(catalog):
    """A rule applies in its jurisdiction's subtree, which lies inside the issuing document's."""
    tree = jurisdiction_tree()
    for document in catalog.documents:
        for rule in document.rules:
            assert document.jurisdiction in ancestors(rule.jurisdiction, tree), rule.key


def test_every_local_condition_binds_inside_the_rule_it_is_on(catalog):
    """A document's clause on a higher rule (孝义 三(四) on the 山西 award) binds in the issuer's own subtree,
    which lies inside the rule's: 孝义 under 山西, 盂县 under 山西 and 阳泉."""
    tree = jurisdiction_tree()
    rules = {r.key: r for r in catalog.rules}
    conditions = catalog.local_conditions
    assert {(c.citation.document_key, c.rule_key) for c in conditions} >= {
        ("xiaoyi-2022-44", "shanxi-first-entry"), ("yuxian-2024-1", "yangquan-first-entry")}
    for condition in conditions:
        document = catalog.document(condition.citation.document_key)
        assert condition.jurisdiction == document.jurisdiction, condition
        assert rules[condition.rule_key].jurisdiction in ancestors(condition.jurisdiction, tree), condition
        assert condition in rules[condition.rule_key].local_conditions


def test_the_pingdingshan_split_covers_all_twelve_county_level_units(catalog):
    """平政办〔2022〕15号 正文末段 and 附件2 二 name twelve county-level units (县(市、区) and the two zones)."""
    tree = jurisdiction_tree()
    units = {key for key, j in tree.items() if j["parent"] == "410400"}
    assert len(units) == 12
    splits = [s for d in catalog.documents for s in d.splits]
    assert splits, "no split table"
    for split in splits:
        assert set(split.by_jurisdiction) == units, split.key
        for key, shares in split.by_jurisdiction.items():
            assert sum(s.share for s in shares) == 1, (split.key, key)
            assert len(shares) == (2 if tree[key]["level"] == "zone" or key in ("410402", "410403", "410411")
                                   else 1), (split.key, key)


def test_every_split_key_is_in_the_tree_under_the_rules_jurisdiction(catalog):
    tree = jurisdiction_tree()
    for rule in catalog.rules:
        if rule.split:
            for key in catalog.splits[rule.split].by_jurisdiction:
                assert key in tree and rule.jurisdiction in ancestors(key, tree), (rule.key, key)


def _norm(text):
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\*\*|\s", "", text)
    return re.sub(r"[“”‘’\"']", "", text)


def _sentences(text):
    return [s for s in re.split(r"[。；;]|\.{2,}", _norm(text)) if s]


# Documents whose own text is not among the seeds, and the document that restates them.
RESTATED_IN = {"shanxi-2020-38": "xiaoyi-2022-44", "liaoning-2023-1": "shuncheng-draft",
               "fushun-2023-4": "shuncheng-draft", "yangquan-2021-11": "yangquan-2024-amendment-draft"}
def _cited_clauses():
    for document in REAL.documents:
        cited = {r.citation.clause for r in document.rules} | {s.citation.clause for s in document.splits}
        for clause in document.clauses:
            if clause.path in cited:
                yield pytest.param(document.key, clause.path, id=f"{document.key}:{clause.path}")


@pytest.mark.parametrize("document_key, path", list(_cited_clauses()))
def test_every_cited_clause_quotes_its_source_sentence_by_sentence(catalog, document_key, path):
    """Each sentence of a clause a rule cites is in the source text (own text file, or the document restating it)."""
    document = catalog.document(document_key)
    source = document if document.full_text else catalog.document(RESTATED_IN[document_key])
    assert source.full_text, document_key
    full = _norm(source.full_text)
    text = next(c.text for c in document.clauses if c.path == path)
    missing = [s for s in _sentences(text) if s not in full]
    assert missing == []


def test_every_document_without_a_text_says_so(catalog):
    for document in catalog.documents:
        if not document.full_text:
            assert document.key in RESTATED_IN and "原文未收录" in document.note, document.key
