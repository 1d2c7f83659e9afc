"""The facts a visitor types, validated once for the page and the API alike
(eligibility/api.py hands the JSON body to FactsForm), so both give the same Chinese
messages, each naming its field.

Only facts some rule of the catalog reads are asked (catalog_cache.consumed): a field whose
fact no rule uses is removed from the form.
"""
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import (
    EnterpriseCategory,
    EnterpriseSize,
    ListingBoard,
    ListingStage,
    RecognitionKind,
    RefinancingVenue,
)

from .catalog_cache import Place, PublicCatalog
from .models import ContactRequest, FollowUpStatus

WAN = Decimal(10000)
NONE = "none"  # "I have none of these": a known answer, unlike a blank (unknown)
ENTRY_STATUSES = [
    ("", gettext_lazy("（未填写）")),
    ("never", gettext_lazy("尚未入规")),
    ("first_entry", gettext_lazy("首次入规")),
    ("treated_entry", gettext_lazy("视同小升规（新开工投产项目入规，或限上批零住餐、资质建筑业、规上服务业企业转为工业）")),
]
# Entity kind → the basis of a treated entry (视同小升规) it can have (孝政办发[2022]44号 二(二)、二(三)).
TREATED_BASIS = {
    EnterpriseCategory.NEW_PROJECT: "new_project",
    EnterpriseCategory.ABOVE_QUOTA_TRADE: "above_quota_conversion",
    EnterpriseCategory.QUALIFIED_CONSTRUCTION: "above_quota_conversion",
    EnterpriseCategory.ABOVE_SCALE_SERVICE: "above_quota_conversion",
}
GRADES = [("", gettext_lazy("（未填写）")), (NONE, gettext_lazy("未获考核等次")), ("1", gettext_lazy("一等")),
          ("2", gettext_lazy("二等")), ("3", gettext_lazy("三等"))]
# Fields by the fact they feed; a field is dropped when no rule of the catalog reads its fact.
FIELDS_BY_FACT = {
    "scale_events": ("entry_status", "first_entry_on", "exited_on", "reentered_on", "reentry_name_changed"),
    "treated_bases": ("category",),
    "size_class": ("size_class",),
    "development_sound": ("development_sound",),
    "annual_revenue": ("revenue",),
    "q1_full_capacity": ("q1_full_capacity",),
    "q1_revenue_growth": ("q1_growth",),
    "recognitions": ("recognitions", "recognized_on", "recognition_repeat"),
    "listing_milestones": ("listing_board", "listing_stage", "listing_on"),
    "refinancings": ("refinancing_amount", "refinancing_on", "refinancing_venue", "refinancing_local_share"),
    "platform_grades": ("platform_grade",),
    "awards_received": ("paid_award", "paid_award_year"),
}
# Field messages name the field (Django's defaults say only "这个字段是必填项").
MESSAGES = {
    "required": gettext_lazy("请填写“%(label)s”"),
    "invalid": gettext_lazy("“%(label)s”格式不正确"),
    "invalid_choice": gettext_lazy("“%(label)s”的选项无效"),
    "invalid_list": gettext_lazy("“%(label)s”应为选项列表"),
    "min_value": gettext_lazy("“%(label)s”不能小于%(limit)s"),
    "max_value": gettext_lazy("“%(label)s”不能大于%(limit)s"),
    "max_digits": gettext_lazy("“%(label)s”数值过大"),
    "max_whole_digits": gettext_lazy("“%(label)s”数值过大"),
    "max_decimal_places": gettext_lazy("“%(label)s”小数位过多"),
    "max_length": gettext_lazy("“%(label)s”过长，最多%(limit)s个字"),
    "null_characters_not_allowed": gettext_lazy("“%(label)s”含有不允许的字符"),
}
INVALID_BY_TYPE = {
    forms.DateField: gettext_lazy("“%(label)s”应为日期，如 2024-12-01"),
    forms.DecimalField: gettext_lazy("“%(label)s”应为数字"),
    forms.IntegerField: gettext_lazy("“%(label)s”应为整数"),
}


def name_the_fields(form):
    """Give every field messages that name it, for the page and the API alike."""
    for field in form.fields.values():
        # An ASCII % would be read as a placeholder when Django fills in the message's params.
        label = str(field.label).replace("%", "％")
        messages = {}
        for code, template in MESSAGES.items():
            # Django fills %(limit_value)s itself when it raises the error.
            messages[code] = str(template) % {"label": label, "limit": "%(limit_value)s"}
        for kind, template in INVALID_BY_TYPE.items():
            if isinstance(field, kind):  # DecimalField before IntegerField, its base class
                messages["invalid"] = str(template) % {"label": label}
                break
        field.error_messages = {**field.error_messages, **messages}


def _choices(values, labels, blank=True, none_label=None):
    choices = [("", _("（未填写）"))] if blank else []
    if none_label:
        choices.append((NONE, none_label))
    return choices + [(v, labels.get(v, v)) for v in values]


def place_choices(places: tuple[Place, ...]):
    """Jurisdictions grouped by province, each shown with its whole chain (works without script)."""
    groups: dict[str, list] = {}
    names = {p.key: p.name for p in places}
    for place in places:
        province = names.get(place.path[0], place.path[0])
        shown = " ".join(place.label.split(" ")[1:]) or _("%(name)s（全省）") % {"name": place.name}
        groups.setdefault(province, []).append((place.key, shown))
    return [("", _("（请选择）"))] + list(groups.items())


def match_places(places: tuple[Place, ...], text: str) -> list[Place]:
    """Places whose name, former name or chain contains the text; exact names first."""
    wanted = "".join(text.split())
    if not wanted:
        return []
    exact = [p for p in places if p.name == wanted or wanted in p.former_names]
    if exact:
        return exact
    return [p for p in places if wanted in p.name or wanted in "".join(p.label.split())
            or any(wanted in n for n in p.former_names)]


class FactsForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("查询年度"), min_value=2018, max_value=2100)
    jurisdiction = forms.ChoiceField(label=gettext_lazy("企业注册所在区域"), required=False)
    place = forms.CharField(label=gettext_lazy("或输入区域名称查找"), required=False, max_length=60,
                            help_text=gettext_lazy("县（市、区）或乡镇（街道）的名称，如“盂县”“秀水镇”"))
    category = forms.ChoiceField(label=gettext_lazy("主体类别"), required=False)
    size_class = forms.ChoiceField(label=gettext_lazy("企业规模（大中小微）"), required=False)
    entry_status = forms.ChoiceField(label=gettext_lazy("入规情况"), required=False, choices=ENTRY_STATUSES)
    first_entry_on = forms.DateField(label=gettext_lazy("首次入规日期"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    exited_on = forms.DateField(label=gettext_lazy("退规日期"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    reentered_on = forms.DateField(label=gettext_lazy("再次入规日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    reentry_name_changed = forms.BooleanField(label=gettext_lazy("再次入规时只变更了企业名称"), required=False)
    development_sound = forms.NullBooleanField(label=gettext_lazy("查询年度是否评为“发展良性”"), required=False)
    revenue = forms.DecimalField(label=gettext_lazy("查询年度主营业务收入（万元）"), required=False, min_value=0,
                                 max_digits=14, decimal_places=4)
    q1_full_capacity = forms.NullBooleanField(label=gettext_lazy("查询年度第一季度是否连续满负荷生产"), required=False)
    q1_growth = forms.DecimalField(label=gettext_lazy("第一季度主营业务收入同比增长（％）"), required=False,
                                   min_value=-100, max_value=100000, max_digits=10, decimal_places=2)
    recognitions = forms.MultipleChoiceField(label=gettext_lazy("查询年度获得的资质认定"), required=False,
                                             widget=forms.CheckboxSelectMultiple)
    recognized_on = forms.DateField(label=gettext_lazy("认定日期"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    recognition_repeat = forms.BooleanField(label=gettext_lazy("为复核或再次认定（非首次）"), required=False)
    listing_board = forms.ChoiceField(label=gettext_lazy("上市挂牌板块"), required=False)
    listing_stage = forms.ChoiceField(label=gettext_lazy("上市挂牌节点"), required=False)
    listing_on = forms.DateField(label=gettext_lazy("节点日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    refinancing_amount = forms.DecimalField(label=gettext_lazy("查询年度再融资额（万元，无则填0）"), required=False,
                                            min_value=0, max_digits=14, decimal_places=4)
    refinancing_on = forms.DateField(label=gettext_lazy("再融资日期"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    refinancing_venue = forms.ChoiceField(label=gettext_lazy("挂牌市场"), required=False)
    refinancing_local_share = forms.DecimalField(label=gettext_lazy("募集资金投资于本市的比例（％）"), required=False,
                                                 min_value=0, max_value=100, max_digits=5, decimal_places=2)
    platform_grade = forms.ChoiceField(label=gettext_lazy("查询年度公共服务示范平台年度考核等次"), required=False,
                                       choices=GRADES)
    paid_award = forms.ChoiceField(label=gettext_lazy("已享受过的“每户一次”奖励"), required=False)
    paid_award_year = forms.IntegerField(label=gettext_lazy("享受该奖励的年度"), required=False,
                                         min_value=2000, max_value=2100)

    def __init__(self, *args, catalog: PublicCatalog, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        self.place_found: Place | None = None
        self.fields["year"].initial = timezone.localdate().year
        self.fields["jurisdiction"].choices = place_choices(catalog.places)
        self.fields["category"].choices = [("", _("（未填写）"))] + list(EnterpriseCategory.choices)
        self.fields["size_class"].choices = [("", _("（未填写）"))] + list(EnterpriseSize.choices)
        self.fields["recognitions"].choices = [(NONE, _("无以上认定"))] + [
            (k, dict(RecognitionKind.choices).get(k, k)) for k in catalog.recognition_kinds]
        self.fields["listing_board"].choices = _choices(catalog.listing_boards, dict(ListingBoard.choices),
                                                        none_label=_("未上市挂牌，也未启动"))
        self.fields["listing_stage"].choices = _choices(catalog.listing_stages, dict(ListingStage.choices))
        self.fields["refinancing_venue"].choices = _choices(catalog.refinancing_venues, dict(RefinancingVenue.choices))
        self.fields["paid_award"].choices = _choices(list(catalog.once_groups), catalog.once_groups,
                                                     none_label=_("未享受过"))
        for fact, names in FIELDS_BY_FACT.items():
            if fact not in catalog.consumed:
                for name in names:
                    self.fields.pop(name, None)
        name_the_fields(self)

    def clean(self):
        data = super().clean()
        self._clean_place(data)
        self._clean_scale_history(data)
        self._clean_pairs(data)
        return data

    def _clean_place(self, data):
        key, text = data.get("jurisdiction"), (data.get("place") or "").strip()
        by_key = self.catalog.places_by_key
        if key:
            self.place_found = by_key[key]
            return
        if "jurisdiction" in self.errors or "place" in self.errors:
            return
        if not text:
            self.add_error("jurisdiction", _("请选择“企业注册所在区域”，或输入区域名称查找"))
            return
        found = match_places(self.catalog.places, text)
        if not found:
            self.add_error("place", _("没有找到名称含“%(text)s”的区域，请换个写法或在列表中选择") % {"text": text})
        elif len(found) > 1:
            shown = "、".join(p.label for p in found[:8]) + ("……" if len(found) > 8 else "")
            self.add_error("place", _("“%(text)s”对应多个区域：%(places)s。请写得更具体，或在列表中选择")
                           % {"text": text, "places": shown})
        else:
            self.place_found = found[0]

    def _clean_scale_history(self, data):
        if "entry_status" not in self.fields:
            return
        status = data.get("entry_status")
        first, exited, back = data.get("first_entry_on"), data.get("exited_on"), data.get("reentered_on")
        if status in ("first_entry", "treated_entry") and first is None and "first_entry_on" not in self.errors:
            self.add_error("first_entry_on", _("已入规时请填写“首次入规日期”"))
        if status == "never" and (first or exited or back):
            self.add_error("entry_status", _("“入规情况”为尚未入规，不应填写入规或退规日期"))
        if exited and not first:
            self.add_error("exited_on", _("填写“退规日期”前请先填写“首次入规日期”"))
        elif exited and first and exited <= first:
            self.add_error("exited_on", _("“退规日期”应晚于“首次入规日期”"))
        if back and not exited:
            self.add_error("reentered_on", _("填写“再次入规日期”前请先填写“退规日期”"))
        elif back and exited and back <= exited:
            self.add_error("reentered_on", _("“再次入规日期”应晚于“退规日期”"))
        if data.get("reentry_name_changed") and not back:
            self.add_error("reentry_name_changed", _("勾选“再次入规时只变更了企业名称”时请填写“再次入规日期”"))
        category = data.get("category")
        if status == "treated_entry" and "category" in self.fields and category and category not in TREATED_BASIS:
            self.add_error("category", _("视同小升规须为新开工/投产项目，或限上批零住餐、资质建筑业、规上服务业企业；"
                                         "当前“主体类别”不属于这几类"))

    def _clean_pairs(self, data):
        kinds = data.get("recognitions") or []
        if NONE in kinds and len(kinds) > 1:
            self.add_error("recognitions", _("“查询年度获得的资质认定”不能同时勾选“无以上认定”和具体认定"))
        elif kinds and NONE not in kinds and not data.get("recognized_on") and "recognized_on" in self.fields \
                and "recognized_on" not in self.errors:
            self.add_error("recognized_on", _("勾选了资质认定时请填写“认定日期”"))
        board = data.get("listing_board")
        if board and board != NONE and "listing_stage" in self.fields:
            if not data.get("listing_stage"):
                self.add_error("listing_stage", _("选择了“上市挂牌板块”时请选择“上市挂牌节点”"))
            if not data.get("listing_on") and "listing_on" not in self.errors:
                self.add_error("listing_on", _("选择了“上市挂牌板块”时请填写“节点日期”"))
        amount = data.get("refinancing_amount")
        if amount and "refinancing_on" in self.fields:
            if not data.get("refinancing_on") and "refinancing_on" not in self.errors:
                self.add_error("refinancing_on", _("填写了再融资额时请填写“再融资日期”"))
            if not data.get("refinancing_venue"):
                self.add_error("refinancing_venue", _("填写了再融资额时请选择“挂牌市场”"))
        paid = data.get("paid_award")
        if paid and paid != NONE and data.get("paid_award_year") is None and "paid_award_year" not in self.errors:
            self.add_error("paid_award_year", _("选择了已享受的奖励时请填写“享受该奖励的年度”"))


class ContactForm(forms.ModelForm):
    """A visitor asks to be contacted: the only thing the public check ever stores."""

    consent = forms.BooleanField(label=gettext_lazy("我同意服务中心保存以上联系方式，仅用于就政策咨询与我联系"),
                                 required=True)

    class Meta:
        model = ContactRequest
        fields = ["jurisdiction_key", "contact_name", "phone", "enterprise_name", "question"]
        widgets = {"jurisdiction_key": forms.HiddenInput, "question": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, catalog: PublicCatalog, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        name_the_fields(self)
        self.fields["consent"].error_messages["required"] = _("请勾选同意后再提交：未经同意不保存任何联系方式")

    def clean_jurisdiction_key(self):
        key = self.cleaned_data["jurisdiction_key"]
        if key not in self.catalog.places_by_key:
            raise forms.ValidationError(_("请先完成资格自测，选择企业注册所在区域"))
        return key

    def clean_phone(self):
        phone = "".join(self.cleaned_data["phone"].split())
        digits = phone.replace("-", "").lstrip("+")
        if not digits.isascii() or not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise forms.ValidationError(_("“联系电话”应为7至15位数字，如 13800000000 或 0353-1234567"))
        return phone


class FollowUpForm(forms.Form):
    request = forms.ModelChoiceField(queryset=ContactRequest.objects.none(), label=gettext_lazy("咨询登记"))
    status = forms.ChoiceField(label=gettext_lazy("跟进状态"), choices=FollowUpStatus.choices)
    note = forms.CharField(label=gettext_lazy("跟进说明"), required=False, max_length=500)

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = queryset
        name_the_fields(self)


def facts_from(form: FactsForm):
    """(EnterpriseFacts, place) from a valid form. Yuan for money (the form asks 万元), ratios
    for percentages. A blank answer stays None: the engine reports it as unknown."""
    from enterprises.domain.scale import Event
    from policies.engine import EnterpriseFacts, ListingMilestone, PlatformGrade, RecognitionFact, Refinancing

    data, place = form.cleaned_data, form.place_found
    year = data["year"]
    fields = form.fields
    events = None
    treated = {}
    if "entry_status" in fields:
        status, first = data.get("entry_status"), data.get("first_entry_on")
        if status == "never":
            events = ()
        elif first is not None:
            kind = "treated_entry" if status == "treated_entry" else "first_entry"
            events = [Event(kind, first, "")]
            basis = TREATED_BASIS.get(data.get("category") or "")
            if kind == "treated_entry" and basis:
                treated[first] = basis
            if data.get("exited_on"):
                events.append(Event("exit", data["exited_on"], ""))
            if data.get("reentered_on"):
                events.append(Event("name_change_reentry" if data.get("reentry_name_changed") else "reentry",
                                    data["reentered_on"], ""))
            events = tuple(events)
    kw = {}
    if data.get("revenue") is not None:
        kw["annual_revenue"] = {year: data["revenue"] * WAN}
    if data.get("q1_full_capacity") is not None:
        kw["q1_full_capacity"] = {year: data["q1_full_capacity"]}
    if data.get("q1_growth") is not None:
        kw["q1_revenue_growth"] = {year: data["q1_growth"] / 100}
    if data.get("development_sound") is not None:
        kw["development_sound"] = {year: data["development_sound"]}
    kinds = data.get("recognitions") or []
    if kinds:
        on = data.get("recognized_on") or date(year, 12, 31)
        kw["recognitions"] = tuple(RecognitionFact(k, on, None, not data.get("recognition_repeat"))
                                   for k in kinds if k != NONE)
    board = data.get("listing_board")
    if board == NONE:
        kw["listing_milestones"] = ()
    elif board:
        kw["listing_milestones"] = (ListingMilestone(board, data["listing_stage"], data["listing_on"]),)
    amount = data.get("refinancing_amount")
    if amount is not None:
        share = data.get("refinancing_local_share")
        kw["refinancings"] = () if amount == 0 else (Refinancing(
            data["refinancing_on"], amount * WAN, data["refinancing_venue"], None if share is None else share / 100),)
    grade = data.get("platform_grade")
    if grade == NONE:
        kw["platform_grades"] = ()
    elif grade:
        kw["platform_grades"] = (PlatformGrade(year, int(grade)),)
    paid = data.get("paid_award")
    if paid and paid != NONE:
        kw["awards_received"] = {paid: data["paid_award_year"]}
    facts = EnterpriseFacts(key="public-check", name="", jurisdiction_path=place.path, scale_events=events,
                            treated_bases=treated, size_class=data.get("size_class") or None, **kw)
    return facts, place


SECTIONS = [
    (gettext_lazy("基本情况"), ("year", "jurisdiction", "place", "category", "size_class")),
    (gettext_lazy("入规情况"), ("entry_status", "first_entry_on", "exited_on", "reentered_on", "reentry_name_changed",
                            "development_sound", "paid_award", "paid_award_year")),
    (gettext_lazy("经营情况"), ("revenue", "q1_full_capacity", "q1_growth")),
    (gettext_lazy("资质认定"), ("recognitions", "recognized_on", "recognition_repeat", "platform_grade")),
    (gettext_lazy("上市与再融资"), ("listing_board", "listing_stage", "listing_on", "refinancing_amount",
                               "refinancing_on", "refinancing_venue", "refinancing_local_share")),
]


def sections(form):
    """The form's fields in the page's sections; a section whose facts no rule reads is left out."""
    out = []
    for title, names in SECTIONS:
        fields = [form[name] for name in names if name in form.fields]
        if fields:
            out.append((title, fields))
    return out
