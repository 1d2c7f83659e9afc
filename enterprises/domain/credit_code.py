"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Layout of the 18 characters:
  1     registration authority (登记管理部门码)
  2     organisation category (机构类别码)
  3-8   administrative division, GB/T 2260 (登记管理机关行政区划码)
  9-17  organisation code, GB 11714, whose 17th character is its own check
  18    check character over characters 1-17

Errors are returned as Chinese sentences that say what is wrong, so a clerk
fixing a spreadsheet knows which character to look at.
"""
from dataclasses import dataclass

# GB 32100 drops I, O, S, V, Z to avoid confusion with 1, 0, 5, U, 2.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class CreditCodeCheck:
    normalized: str
    errors: tuple[str, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def normalize(raw: str) -> str:
    # Spreadsheets deliver codes with stray spaces, full-width characters and lower case.
    text = (raw or "").strip().upper()
    text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return text.replace(" ", "").replace("\u3000", "")


def check_character(first17: str) -> str:
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    total = sum(ORG_CODE_CHARSET.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS))
    remainder = 11 - total % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def check(raw: str) -> CreditCodeCheck:
    code = normalize(raw)
    if not code:
        return CreditCodeCheck(code, ("统一社会信用代码不能为空",))
    if len(code) != 18:
        return CreditCodeCheck(code, (f"统一社会信用代码应为18位，实际为{len(code)}位",))
    bad = [f"第{i}位“{c}”" for i, c in enumerate(code, start=1) if c not in VALUES]
    if bad:
        return CreditCodeCheck(
            code,
            ("统一社会信用代码含有不允许的字符：" + "、".join(bad) + "（不使用I、O、S、V、Z）",),
        )
    errors = []
    if not code[2:8].isdigit():
        errors.append(f"第3至8位应为6位行政区划代码，实际为“{code[2:8]}”")
    expected_org = org_code_check_character(code[8:16])
    if code[16] != expected_org:
        errors.append(f"第9至17位组织机构代码校验位错误：第17位应为“{expected_org}”，实际为“{code[16]}”")
    expected = check_character(code[:17])
    if code[17] != expected:
        errors.append(f"校验码错误：第18位应为“{expected}”，实际为“{code[17]}”")
    return CreditCodeCheck(code, tuple(errors))


def make(prefix17_without_checks: str) -> str:
    """Complete a code from its first 16 characters (used by demo data and tests)."""
    body = prefix17_without_checks[:16]
    body17 = body + org_code_check_character(body[8:16])
    return body17 + check_character(body17)
