from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import access
from .domain import credit_code as credit_codes
from .models import (
    Department,
    Enterprise,
    EnterpriseCategory,
    Jurisdiction,
    JurisdictionLevel,
    Pool,
    Role,
    ScaleEventKind,
    TreatedEntryBasis,
)

WAN = Decimal("10000")


# Money columns hold 16 digits, 2 after the point, in yuan: below 10^10 万元.
WAN_LIMIT = Decimal(10) ** 10


class WanField(forms.DecimalField):
    """Staff type 万元; the registry stores yuan."""

    def to_python(self, value):
        wan = super().to_python(value)
        if wan is None or not wan.is_finite():
            return wan  # validate() refuses NaN and Infinity with Django's own message
        if abs(wan) >= WAN_LIMIT:
            raise forms.ValidationError(_("数值过大：不能超过 9999999999.99 万元"), code="max_value")
        return (wan * WAN).quantize(Decimal("0.01"))

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format((value / WAN).normalize(), "f")  # 100, not 1E+2
        return value


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["credit_code", "name", "jurisdiction", "department", "industry_code", "category",
                  "size_class", "legal_representative", "address", "established_on"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = access.jurisdictions_visible_to(user)
        self.fields["jurisdiction"].queryset = visible
        if user.role == Role.DEPARTMENT_STAFF and not user.is_superuser:
            # Their own unit only: anything else would take the enterprise out of their scope.
            self.fields["department"].queryset = Department.objects.filter(pk=user.department_id)
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
        else:
            departments = assignable_departments(user, current=self.instance.department_id)
            self.fields["department"].queryset = departments
            self.fields["department"].choices = department_choices(user, departments)
        if self.instance.pk:
            self.fields["credit_code"].disabled = True
        self.user = user
        # The registered enterprise a new one duplicates, when the user may see it (the page links to it).
        self.duplicate_of = None

    def clean_credit_code(self):
        code = self.cleaned_data.get("credit_code")
        if not code or self.instance.pk:
            return code
        existing = Enterprise.objects.filter(credit_code=credit_codes.normalize(code)).first()
        if existing is None:
            return code
        if access.enterprises_visible_to(self.user).filter(pk=existing.pk).exists():
            self.duplicate_of = existing
            raise forms.ValidationError(_("该统一社会信用代码已登记为企业“%(name)s”，无需重复登记"),
                                        code="unique", params={"name": existing.name})
        # Registered outside the user's scope: name neither the enterprise nor where it is.
        raise forms.ValidationError(_("该统一社会信用代码已在其他辖区登记，请联系上级辖区的中小企业服务中心处理"),
                                    code="unique")


# Levels that are run by the jurisdiction above them: a town's enterprises are in the charge of its
# county's departments (盂促企组办发[2024]1号 二 assigns 秀水镇's targets and 县工信局's alike), and a
# zone's of the county or city whose 管委会 runs it (阳泉高新技术产业开发区管委会 is a 阳泉市 unit).
RUN_FROM_ABOVE = (JurisdictionLevel.TOWN, JurisdictionLevel.ZONE)


def assignable_departments(user, *, current=None):
    """The responsible units (责任单位) a user may put an enterprise under.

    Units of the user's own jurisdiction and of those below it; for a user of a town or zone
    also the units of the county (or city) above that runs it. Not the city's and province's
    bodies above a county: no seed document makes them answer for an individual enterprise.
    The documents put that at the county: 盂县 splits its targets by the department in charge of
    each trade (盂促企组办发[2024]1号 二), 平顶山 makes each county government answer for its
    enterprises (平政办〔2022〕15号 附件2 五(二)), 孝义 and 顺城 name their own 市/区 units; the
    provincial and city units in the tree are named for awards, finance, statistics or a renaming
    (e.g. 山西省民营经济发展局, 阳泉修改意见 第10条). `current`, the enterprise's unit now,
    stays selectable so that saving the form never drops it.
    """
    units = Department.objects.select_related("jurisdiction")
    if user.is_superuser:
        return units.all()
    visible = access.jurisdictions_visible_to(user)
    scope = Q(jurisdiction__in=visible)
    own = user.jurisdiction if user.jurisdiction_id else None
    while own is not None and own.level in RUN_FROM_ABOVE and own.parent_id:
        own = own.parent
        scope |= Q(jurisdiction=own)
    if current:
        scope |= Q(pk=current)
    return units.filter(scope)


def department_choices(user, departments):
    """The units grouped by jurisdiction (an <optgroup> each): the user's own jurisdiction first,
    then the ones below it in tree order, then the ones above. Each unit named once."""
    own_path = user.jurisdiction.path if user.jurisdiction_id else "/"
    groups: dict = {}
    for unit in sorted(departments, key=lambda d: (d.jurisdiction.path, d.name)):
        groups.setdefault(unit.jurisdiction, []).append((unit.pk, str(unit)))

    def rank(jurisdiction):
        if jurisdiction.path == own_path:
            return 0
        return 1 if jurisdiction.path.startswith(own_path) else 2

    ordered = sorted(groups, key=lambda j: (rank(j), j.path))
    return [("", "---------")] + [(j.name, groups[j]) for j in ordered]


FIGURE_FIELDS = ("revenue", "output_value", "tax", "electricity_kwh", "employees")


class MonthlyFigureForm(forms.Form):
    """One enterprise-month. A field left blank keeps the stored value (blank is
    unknown, never zero, never an erase); ticking its “清空” box erases it.

    `loaded_year`/`loaded_month` name the month whose stored values were filled
    in, so those values cannot be saved into another month by changing the month.
    `reason` is asked of enterprise accounts: a change to a month past its
    reporting deadline becomes a correction request, which needs one."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    loaded_year = forms.IntegerField(required=False, widget=forms.HiddenInput)
    loaded_month = forms.IntegerField(required=False, widget=forms.HiddenInput)
    revenue = WanField(label=_("当月主营业务收入（万元）"), required=False, min_value=0, decimal_places=6)
    output_value = WanField(label=_("当月工业总产值（万元）"), required=False, min_value=0, decimal_places=6)
    tax = WanField(label=_("当月税收（万元）"), required=False, decimal_places=6)
    electricity_kwh = forms.DecimalField(label=_("当月用电量（千瓦时）"), required=False, min_value=0, decimal_places=1,
                                         max_digits=14)
    employees = forms.IntegerField(label=_("从业人员（人）"), required=False, min_value=0, max_value=2**31 - 1)
    clear_revenue = forms.BooleanField(label=_("清空"), required=False)
    clear_output_value = forms.BooleanField(label=_("清空"), required=False)
    clear_tax = forms.BooleanField(label=_("清空"), required=False)
    clear_electricity_kwh = forms.BooleanField(label=_("清空"), required=False)
    clear_employees = forms.BooleanField(label=_("清空"), required=False)
    reason = forms.CharField(label=_("更正原因"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                             help_text=_("已过报送截止日的月份须填写；提交后由中小企业服务中心审核，审核通过才生效"))

    def __init__(self, *args, asks_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_reason:
            del self.fields["reason"]

    def figure_rows(self):
        """(value field, its “清空” box) for the template, in order."""
        return [(self[name], self[f"clear_{name}"]) for name in FIGURE_FIELDS]

    def clean(self):
        data = super().clean()
        for name in FIGURE_FIELDS:
            if data.get(f"clear_{name}") and data.get(name) is not None:
                self.add_error(name, _("不能同时填写数值和勾选“清空”"))
        loaded = (data.get("loaded_year"), data.get("loaded_month"))
        chosen = (data.get("year"), data.get("month"))
        if all(loaded) and all(chosen) and loaded != chosen:
            self.add_error("month", _(
                "表单中载入的是%(ly)s年%(lm)s月的数据，不能保存为%(y)s年%(m)s月；请先载入%(y)s年%(m)s月再修改")
                % {"ly": loaded[0], "lm": loaded[1], "y": chosen[0], "m": chosen[1]})
        return data

    def values(self):
        """The fields given: a blank one is left out, so it keeps the stored value."""
        data = self.cleaned_data
        return {k: data[k] for k in FIGURE_FIELDS if data.get(k) is not None}

    def cleared(self):
        return [k for k in FIGURE_FIELDS if self.cleaned_data.get(f"clear_{k}")]

    def correction_reason(self):
        return self.cleaned_data.get("reason", "")


class PoolMoveForm(forms.Form):
    pool = forms.ChoiceField(label=_("调入"), choices=Pool.choices)
    on = forms.DateField(label=_("调整日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("原因"), max_length=200)


class ScaleEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("事件类型"), choices=[
        (k, label) for k, label in ScaleEventKind.choices if k != ScaleEventKind.NAME_CHANGE_REENTRY])
    on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    treated_basis = forms.ChoiceField(label=_("视同依据"), required=False,
                                      choices=[("", "—")] + list(TreatedEntryBasis.choices))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == ScaleEventKind.TREATED_ENTRY and not data.get("treated_basis"):
            self.add_error("treated_basis", _("视同小升规必须选择依据"))
        return data


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或信用代码"), required=False)
    jurisdiction = forms.ModelChoiceField(label=_("区域"), queryset=Jurisdiction.objects.none(), required=False,
                                          to_field_name="key")
    pool = forms.ChoiceField(label=_("库"), choices=[("", _("全部"))] + list(Pool.choices), required=False)
    category = forms.ChoiceField(label=_("类别"), choices=[("", _("全部"))] + list(EnterpriseCategory.choices),
                                 required=False)
    in_scale = forms.ChoiceField(label=_("规模"), required=False,
                                 choices=[("", _("全部")), ("1", _("规上")), ("0", _("规下"))])
    department = forms.ModelChoiceField(label=_("责任单位"), queryset=Department.objects.none(), required=False,
                                        to_field_name="key")
    # The lists behind the dashboard's figures (reports/): carried in the address, not shown as fields.
    as_of = forms.DateField(label=_("规模、库状态日期"), required=False, widget=forms.HiddenInput)
    change = forms.ChoiceField(label=_("变动"), required=False, widget=forms.HiddenInput, choices=[
        ("", ""), ("entry", _("入规")), ("exit", _("退规")), ("pool_in", _("入库")), ("pool_out", _("出库"))])
    change_pool = forms.ChoiceField(label=_("变动库"), required=False, widget=forms.HiddenInput,
                                    choices=[("", "")] + list(Pool.choices))
    change_from = forms.DateField(label=_("变动日期起"), required=False, widget=forms.HiddenInput)
    change_to = forms.DateField(label=_("变动日期止"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user)
        self.fields["department"].queryset = Department.objects.filter(
            jurisdiction__in=access.jurisdictions_visible_to(user)).select_related("jurisdiction")

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        in_scale = {"1": True, "0": False}.get(data["in_scale"])
        return {"search": data["q"].strip(), "jurisdiction": data["jurisdiction"], "pool": data["pool"],
                "category": data["category"], "in_scale": in_scale, "department": data["department"],
                "as_of": data["as_of"], "change": data["change"], "change_pool": data["change_pool"],
                "change_from": data["change_from"], "change_to": data["change_to"]}

    def hidden_filter_text(self) -> str:
        """The filters carried in the address (from a dashboard figure), in words; "" when none."""
        if not self.is_valid():
            return ""
        data, parts = self.cleaned_data, []
        if data["change"]:
            what = dict(self.fields["change"].choices)[data["change"]]
            if data["change_pool"]:
                what = f"{what}（{dict(Pool.choices)[data['change_pool']]}）"
            span = "—".join(str(d) for d in (data["change_from"], data["change_to"]) if d)
            parts.append(f"{span} {what}".strip())
        if data["as_of"]:
            parts.append(_("规模、库状态截至%(day)s") % {"day": data["as_of"]})
        return "；".join(str(p) for p in parts)
