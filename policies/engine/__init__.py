"""The incentive engine: pure Python, no Django, no clock.

facts (EnterpriseFacts) + rule versions + year → decisions (Decision), each with
amount, payers, citation and a reason for pass, fail or unknown.
"""
from .evaluate import EVALUATORS, evaluate
from .types import (
    FAIL,
    LOCAL,
    PASS,
    UNKNOWN,
    Amendment,
    Citation,
    Decision,
    EnterpriseFacts,
    FundingSplit,
    ListingMilestone,
    LocalCondition,
    PayerAmount,
    PayerShare,
    PlatformGrade,
    RecognitionFact,
    Refinancing,
    Rule,
    RuleChange,
)
from .versions import rule_versions, version_on

__all__ = [
    "EVALUATORS", "FAIL", "LOCAL", "PASS", "UNKNOWN", "Amendment", "Citation", "Decision", "EnterpriseFacts",
    "FundingSplit", "ListingMilestone", "LocalCondition", "PayerAmount", "PayerShare", "PlatformGrade",
    "RecognitionFact", "Refinancing", "Rule", "RuleChange", "evaluate", "rule_versions", "version_on",
]
