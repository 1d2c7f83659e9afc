"""Forms of an enterprise's records, in the units staff use: money in 万元, a share
in per cent. The forms only read and convert what was typed; the rules (a validity
that ends before it starts, a duplicate, a negative amount, a share over 100 %)
are the service's (enterprises/records.py), so every writer keeps them."""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import WanField
from .models import PLATFORM_GRADE_LABELS, ListingBoard, ListingStage, RecognitionKind, RefinancingVenue

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
HUNDRED = Decimal(100)


class PercentField(forms.DecimalField):
    """Staff type a percentage (85 for 85 %); the registry stores the ratio (0.8500)."""

    def to_python(self, value):
        percent = super().to_python(value)
        if percent is None or not percent.is_finite():
            return percent  # validate() refuses NaN and Infinity with Django's own message
        if abs(percent) > 1000:
            raise forms.ValidationError(_("应填写0至100之间的百分数，实际为%(value)s"), code="max_value",
                                        params={"value": value})
        return (percent / HUNDRED).quantize(Decimal("0.0001"))

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format((value * HUNDRED).normalize(), "f")  # 0.8500 → "85"
        return value


def _tri_state(label):
    """Yes / no / not assessed (None), for facts a year's assessment may not have settled."""
    return forms.TypedChoiceField(
        label=label, required=False, empty_value=None, coerce=lambda value: value == "true",
        choices=[("", _("未认定")), ("true", _("是")), ("false", _("否"))])


class RecordForm(forms.Form):
    """A record's fields; `values()` is what the service takes."""

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.fields}

    @classmethod
    def initial_for(cls, record) -> dict:
        initial = {}
        for name, field in cls.base_fields.items():
            value = getattr(record, name)
            if isinstance(field, forms.TypedChoiceField) and isinstance(value, bool):
                value = "true" if value else "false"
            initial[name] = value
        return initial


class RecognitionForm(RecordForm):
    kind = forms.ChoiceField(label=_("认定类型"), choices=RecognitionKind.choices)
    certificate_no = forms.CharField(label=_("证书编号"), max_length=60, required=False)
    valid_from = forms.DateField(label=_("有效期起"), **DATE)
    valid_to = forms.DateField(label=_("有效期止"), required=False, help_text=_("长期有效或尚未确定的留空"), **DATE)
    is_first = forms.BooleanField(label=_("首次认定"), required=False, initial=True,
                                  help_text=_("复核、重新认定的不勾选"))


class ListingForm(RecordForm):
    board = forms.ChoiceField(label=_("板块"), choices=ListingBoard.choices)
    stage = forms.ChoiceField(label=_("节点"), choices=ListingStage.choices,
                              help_text=_("新三板、区域股权市场挂牌的，选“上市（挂牌）”"))
    reached_on = forms.DateField(label=_("日期"), **DATE)


class RefinancingForm(RecordForm):
    raised_on = forms.DateField(label=_("融资日期"), **DATE)
    amount = WanField(label=_("融资额（万元）"), decimal_places=6)
    venue = forms.ChoiceField(label=_("挂牌市场"), choices=RefinancingVenue.choices)
    local_investment_share = PercentField(label=_("投资于本市比例（%）"), required=False,
                                          help_text=_("募集资金投资于本市的比例，如 85 表示85%；不知道的留空"))


class AttestationForm(RecordForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    q1_full_capacity = _tri_state(_("一季度连续满负荷生产"))
    development_sound = _tri_state(_("发展良性"))
    platform_grade = forms.TypedChoiceField(
        label=_("示范平台年度考核等次"), required=False, coerce=int, empty_value=None,
        choices=[("", _("未考核或非示范平台"))] + list(PLATFORM_GRADE_LABELS.items()))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ContactForm(RecordForm):
    name = forms.CharField(label=_("姓名"), max_length=40)
    title = forms.CharField(label=_("职务"), max_length=40, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False,
                                    help_text=_("勾选后，原主要联系人自动改为一般联系人"))


FORMS = {"recognition": RecognitionForm, "listing": ListingForm, "refinancing": RefinancingForm,
         "attestation": AttestationForm, "contact": ContactForm}
