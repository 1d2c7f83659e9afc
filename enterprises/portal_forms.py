"""Forms of the enterprise portal and of the invitation link."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import MonthlyFigureForm


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("企业联系人电子邮箱（可选）"), required=False,
                             help_text=_("填写则同时把链接发到该邮箱；链接也会在下一页显示一次，可转交企业"))


class AcceptInvitationForm(forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150,
                               help_text=_("以后用它登录，可用统一社会信用代码"))
    password1 = forms.CharField(label=_("密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class PortalFigureForm(MonthlyFigureForm):
    """The month form as an enterprise fills it: with the correction reason (a month past its
    deadline goes to review) and, when the revenue jumps against the previous reported month,
    a box to confirm it (shown on the re-rendered form only)."""

    confirm_jump = forms.BooleanField(label=_("我已核对，确认本月主营业务收入无误"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, asks_reason=True, **kwargs)
        self.jump = None  # set by the view: the comparison that needs confirming


class WarningAnswerForm(forms.Form):
    answer = forms.CharField(label=_("情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    help_needed = forms.CharField(label=_("需要的帮助（可选）"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
