"""The public check stores nothing a visitor types, except a request to be contacted, given
with explicit consent to the purpose shown (kept with the request)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpStatus(models.TextChoices):
    NEW = "new", _("待联系")
    CONTACTED = "contacted", _("已联系")
    CLOSED = "closed", _("已办结")


class ContactRequest(models.Model):
    # The jurisdiction's key, not a foreign key: the visitor picked it from the public tree, and
    # staff see the requests of their subtree by its path (selectors.contact_requests_visible_to).
    jurisdiction_key = models.CharField(_("企业注册所在区域"), max_length=40)
    jurisdiction_path = models.CharField(_("区域路径"), max_length=255, editable=False, db_index=True)
    jurisdiction_name = models.CharField(_("区域名称"), max_length=200, editable=False)
    contact_name = models.CharField(_("联系人"), max_length=40)
    phone = models.CharField(_("联系电话"), max_length=20)
    enterprise_name = models.CharField(_("企业名称"), max_length=120, blank=True)
    question = models.TextField(_("想咨询的问题"), max_length=1000, blank=True)
    consent_text = models.TextField(_("同意的用途说明"), editable=False)
    consented_at = models.DateTimeField(_("同意时间"), editable=False)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(_("跟进状态"), max_length=10, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.NEW)
    follow_up_note = models.CharField(_("跟进说明"), max_length=500, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("跟进人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("跟进时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("咨询登记")
        verbose_name_plural = _("咨询登记")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.contact_name}（{self.jurisdiction_name}）"
