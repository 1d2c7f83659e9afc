import pytest
from django.core.exceptions import ValidationError

from enterprises.domain import credit_code
from enterprises.models import validate_credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_it_accepts_published_codes(code):
    assert credit_code.check(code).is_valid


def test_it_normalizes_spaces_lower_case_and_full_width_characters():
    result = credit_code.check(" ９１350100m000100y43 ")
    assert result.is_valid
    assert result.normalized == "91350100M000100Y43"


def test_it_names_the_expected_check_character():
    result = credit_code.check("91350100M000100Y44")
    assert result.errors == ("校验码错误：第18位应为“3”，实际为“4”",)


def test_it_reports_the_length():
    assert credit_code.check("9135010").errors == ("统一社会信用代码应为18位，实际为7位",)


def test_it_rejects_letters_the_standard_excludes():
    (error,) = credit_code.check("91350100M000100O43").errors
    assert "第16位“O”" in error and "不使用I、O、S、V、Z" in error


def test_it_checks_the_embedded_organisation_code():
    # Last character recomputed so only the GB 11714 check inside is wrong.
    body = "91350100M000100Y5"  # the organisation-code check here should be 4
    code = body + credit_code.check_character(body)
    (error,) = credit_code.check(code).errors
    assert error.startswith("第9至17位组织机构代码校验位错误")


def test_it_requires_a_division_code_in_positions_3_to_8():
    body16 = "91A5010000000000"
    body17 = body16 + credit_code.org_code_check_character(body16[8:16])
    errors = credit_code.check(body17 + credit_code.check_character(body17)).errors
    assert errors == ("第3至8位应为6位行政区划代码，实际为“A50100”",)


def test_it_makes_codes_that_pass_its_own_check():
    assert credit_code.check(credit_code.make("9214032212345678")).is_valid


def test_the_model_validator_raises_the_chinese_reason():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91350100M000100Y44")
    assert "校验码错误" in excinfo.value.messages[0]
