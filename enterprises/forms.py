from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from . import access
from .models import (
    Department,
    Enterprise,
    EnterpriseCategory,
    Jurisdiction,
    Pool,
    ScaleEventKind,
    TreatedEntryBasis,
)

WAN = Decimal("10000")


class WanField(forms.DecimalField):
    """Staff type 万元; the registry stores yuan."""

    def to_python(self, value):
        wan = super().to_python(value)
        return None if wan is None else (wan * WAN).quantize(Decimal("0.01"))

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return (value / WAN).normalize()
        return value


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["credit_code", "name", "jurisdiction", "department", "industry_code", "category",
                  "legal_representative", "address", "established_on"]
        widgets = {"established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = access.jurisdictions_visible_to(user)
        self.fields["jurisdiction"].queryset = visible
        self.fields["department"].queryset = Department.objects.filter(
            jurisdiction__in=Jurisdiction.objects.filter(
                path__in=_ancestor_paths(visible))).select_related("jurisdiction")
        if self.instance.pk:
            self.fields["credit_code"].disabled = True


def _ancestor_paths(jurisdictions):
    paths = set()
    for path in jurisdictions.values_list("path", flat=True):
        keys = [k for k in path.split("/") if k]
        for i in range(1, len(keys) + 1):
            paths.add("/" + "/".join(keys[:i]) + "/")
    return paths


class MonthlyFigureForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12)
    revenue = WanField(label=_("当月主营业务收入（万元）"), required=False, min_value=0, decimal_places=6)
    output_value = WanField(label=_("当月工业总产值（万元）"), required=False, min_value=0, decimal_places=6)
    tax = WanField(label=_("当月税收（万元）"), required=False, decimal_places=6)
    electricity_kwh = forms.DecimalField(label=_("当月用电量（千瓦时）"), required=False, min_value=0, decimal_places=1)
    employees = forms.IntegerField(label=_("从业人员（人）"), required=False, min_value=0)

    def values(self):
        data = self.cleaned_data
        return {k: data[k] for k in ("revenue", "output_value", "tax", "electricity_kwh", "employees")}


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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = access.jurisdictions_visible_to(user)

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        in_scale = {"1": True, "0": False}.get(data["in_scale"])
        return {"search": data["q"].strip(), "jurisdiction": data["jurisdiction"], "pool": data["pool"],
                "category": data["category"], "in_scale": in_scale}
