"""Invitations of enterprise accounts (企业用户邀请): staff invite the owner of one enterprise,
who opens the link, chooses a login and a first password, and gets an account bound to it.

Only the SHA-256 digest of the link's token is stored, so the link is seen once, on the
page that created it (and in the e-mail, if an address was given). An invitation is good
until `expires_at`, once; a new invitation for the same enterprise revokes the unused
ones. `enterprises.invitations` is the only writer.

Imported by `enterprises.models` so Django registers it with the app.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Invitation(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="invitations")
    token_digest = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("邀请人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("开通的账号"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords(excluded_fields=["token_digest"])

    class Meta:
        verbose_name = _("企业用户邀请")
        verbose_name_plural = _("企业用户邀请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                                   name="invitation_not_used_and_revoked"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.created_at:%Y-%m-%d}"

    @property
    def state(self) -> str:
        """used | revoked | expired | open: for the staff's list of invitations."""
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
