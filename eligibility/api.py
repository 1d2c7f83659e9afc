"""The public check as a JSON endpoint: facts + year in, decisions out. Anonymous callers are
welcome; every client is throttled (ScopedRateThrottle, rate in REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES["eligibility_check"]). The body is validated by the page's own
FactsForm, so the messages are the same; the serializer below describes it for OpenAPI.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from enterprises.models import EnterpriseCategory, EnterpriseSize

from . import services
from .forms import ENTRY_STATUSES, GRADES, WAN


class EligibilityFactsSerializer(serializers.Serializer):
    """What the visitor knows. Leave a fact out when it is not known: the answer is then
    "unknown — tell us X", never "not eligible". Money in 万元, percentages as numbers (12.5 = 12.5 %)."""

    year = serializers.IntegerField(min_value=2018, max_value=2100, help_text="查询年度")
    jurisdiction = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                         help_text="区域编号（如 140322），与 place 二选一")
    place = serializers.CharField(required=False, allow_blank=True, max_length=60,
                                  help_text="区域名称（如 盂县、秀水镇），只匹配到一个区域时有效")
    category = serializers.ChoiceField(choices=EnterpriseCategory.choices, required=False, allow_blank=True,
                                       help_text="主体类别")
    size_class = serializers.ChoiceField(choices=EnterpriseSize.choices, required=False, allow_blank=True,
                                         help_text="企业规模")
    entry_status = serializers.ChoiceField(choices=[v for v, _label in ENTRY_STATUSES if v], required=False,
                                           allow_blank=True,
                                           help_text="入规情况：never 尚未入规；first_entry 首次入规；treated_entry 视同小升规")
    first_entry_on = serializers.DateField(required=False, allow_null=True, help_text="首次入规日期")
    exited_on = serializers.DateField(required=False, allow_null=True, help_text="退规日期")
    reentered_on = serializers.DateField(required=False, allow_null=True, help_text="再次入规日期")
    reentry_name_changed = serializers.BooleanField(required=False, help_text="再次入规时只变更了企业名称")
    development_sound = serializers.BooleanField(required=False, allow_null=True, help_text="查询年度是否评为发展良性")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True,
                                       help_text="查询年度主营业务收入（万元）")
    q1_full_capacity = serializers.BooleanField(required=False, allow_null=True, help_text="第一季度是否连续满负荷生产")
    q1_growth = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True,
                                         help_text="第一季度主营业务收入同比增长（%）")
    recognitions = serializers.ListField(child=serializers.CharField(), required=False,
                                         help_text="查询年度获得的资质认定（认定类型编号；none 表示无）")
    recognized_on = serializers.DateField(required=False, allow_null=True, help_text="认定日期")
    recognition_repeat = serializers.BooleanField(required=False, help_text="为复核或再次认定")
    listing_board = serializers.CharField(required=False, allow_blank=True, help_text="上市挂牌板块（none 表示未启动）")
    listing_stage = serializers.CharField(required=False, allow_blank=True, help_text="上市挂牌节点")
    listing_on = serializers.DateField(required=False, allow_null=True, help_text="节点日期")
    refinancing_amount = serializers.DecimalField(max_digits=14, decimal_places=4, required=False, allow_null=True,
                                                  help_text="查询年度再融资额（万元，无则0）")
    refinancing_on = serializers.DateField(required=False, allow_null=True, help_text="再融资日期")
    refinancing_venue = serializers.CharField(required=False, allow_blank=True, help_text="挂牌市场")
    refinancing_local_share = serializers.DecimalField(max_digits=5, decimal_places=2, required=False,
                                                       allow_null=True, help_text="募集资金投资于本市的比例（%）")
    platform_grade = serializers.ChoiceField(choices=[v for v, _label in GRADES if v], required=False, allow_blank=True,
                                             help_text="公共服务示范平台年度考核等次")
    paid_award = serializers.CharField(required=False, allow_blank=True,
                                       help_text="已享受过的“每户一次”奖励（如 fushun-city-entry；none 表示未享受）")
    paid_award_year = serializers.IntegerField(required=False, allow_null=True, help_text="享受该奖励的年度")

    def to_internal_value(self, data):
        """Validate with the page's FactsForm: one set of rules and messages for both."""
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": [_("请求体应为JSON对象")]})
        values = {}
        for key, value in data.items():
            if isinstance(value, (dict,)) or (isinstance(value, list) and key != "recognitions"):
                raise ValidationError({str(key): [_("“%(field)s”的值格式不正确") % {"field": key}]})
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ValidationError({str(key): [_("“%(field)s”应为字符串列表") % {"field": key}]})
            values[key] = _as_form_value(value)
        form = services.facts_form(_Data(values))
        if not form.is_valid():
            errors = {("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
                      for k, v in form.errors.items()}
            raise ValidationError(errors)
        return form


def _as_form_value(value):
    """A JSON value as the text a form field parses (a date field cannot parse a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return value
    return str(value)


class _Data(dict):
    """A JSON body as form data: lists stay lists for the multiple-choice field, bare values
    are one-element lists."""

    def getlist(self, key, default=None):
        value = self.get(key, default)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


class CitedClauseSerializer(serializers.Serializer):
    citation = serializers.CharField(help_text="文号与条款")
    text = serializers.CharField(help_text="条款原文（未收录时为空）")


class PayerSerializer(serializers.Serializer):
    payer = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, help_text="元；金额由出资方确定时为空")


class DecisionSerializer(serializers.Serializer):
    rule_key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["pass", "fail", "unknown"])
    outcome_label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True, help_text="元")
    amount_wan = serializers.DecimalField(max_digits=16, decimal_places=6, allow_null=True, help_text="万元")
    payers = PayerSerializer(many=True)
    citation = CitedClauseSerializer()
    also_cited = CitedClauseSerializer(many=True)
    reason = serializers.CharField()
    hint = serializers.CharField(allow_blank=True, help_text="信息不足时需补充的问题；未达数值门槛时的差距")
    gap_wan = serializers.DecimalField(max_digits=16, decimal_places=6, allow_null=True,
                                       help_text="距主营业务收入门槛还差（万元）")
    changed = serializers.BooleanField(help_text="草案部分：与现行结论不同")


class DraftSerializer(serializers.Serializer):
    document_key = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    assumed_effective_from = serializers.DateField(help_text="测算假定的施行日期")
    changes = CitedClauseSerializer(many=True)
    decisions = DecisionSerializer(many=True)
    owed_total = serializers.DecimalField(max_digits=16, decimal_places=2)


class EligibilityResultSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    jurisdiction = serializers.CharField()
    jurisdiction_name = serializers.CharField()
    owed_total = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="已定金额的应享奖励合计（元）")
    decisions = DecisionSerializer(many=True)
    drafts = DraftSerializer(many=True, help_text="征求意见稿：若该草案通过")


def _decision(view):
    return {"rule_key": view.rule_key, "title": view.title, "kind": view.kind, "outcome": view.outcome,
            "outcome_label": view.outcome_label, "amount": view.amount,
            "amount_wan": None if view.amount is None else view.amount / WAN,
            "payers": [{"payer": p, "amount": a} for p, a in view.payers],
            "citation": {"citation": view.citation.citation, "text": view.citation.text},
            "also_cited": [{"citation": c.citation, "text": c.text} for c in view.also_cited],
            "reason": view.reason, "hint": view.hint, "gap_wan": None if view.gap is None else view.gap / WAN,
            "changed": view.changed}


def result_data(result) -> dict:
    return {
        "year": result.year, "jurisdiction": result.place_key, "jurisdiction_name": result.place_label,
        "owed_total": result.owed_total, "decisions": [_decision(d) for d in result.decisions],
        "drafts": [{"document_key": d.key, "number": d.number, "title": d.title,
                    "assumed_effective_from": d.assumed_from,
                    "changes": [{"citation": c.citation, "text": c.text} for c in d.changes],
                    "decisions": [_decision(v) for v in d.decisions], "owed_total": d.owed_total}
                   for d in result.drafts]}


class EligibilityCheckView(APIView):
    """公开资格自测：企业自报的情况 + 年度 → 每项奖励的结论、金额、出资方、条款原文和理由。不保存任何输入。"""

    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "eligibility_check"

    @extend_schema(request=EligibilityFactsSerializer, responses={200: EligibilityResultSerializer},
                   auth=[{}, {"tokenAuth": []}, {"cookieAuth": []}], operation_id="eligibility_check",
                   tags=["eligibility"])
    def post(self, request):
        serializer = EligibilityFactsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.check(serializer.validated_data)
        return Response(EligibilityResultSerializer(result_data(result)).data)
