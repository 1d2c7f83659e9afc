"""The entitlement ledger: what each enterprise is owed under which rule and
year, and where it stands between review and payment."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.domain import formatting
from enterprises.models import Enterprise, Jurisdiction
from policies.models import IncentiveRule


class EntitlementStatus(models.TextChoices):
    """pending_review → reviewed (初审) → approved (审批) → paid (拨付); who may take
    which step is incentives/domain/signoff.py."""
    PENDING = "pending_review", _("待审核")
    REVIEWED = "reviewed", _("已初审")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("重算后不再符合")


# A batch may rewrite these; approved and paid entitlements are never touched again.
OPEN_STATUSES = (EntitlementStatus.PENDING, EntitlementStatus.WITHDRAWN)
# Reviewed but not yet approved: a batch whose result differs sends it back to pending
# (the review vouched for figures that no longer hold); an unchanged result keeps the review.
REVIEWED_STATUSES = (EntitlementStatus.REVIEWED,)


class EntitlementBatch(models.Model):
    """One run of 免申即享 for a jurisdiction and year."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("区域"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    enterprises = models.PositiveIntegerField(_("企业数"), default=0)
    counts = models.JSONField(_("结果统计"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    # A batch over many enterprises is split into parts (services.entitlement_batch_run), each a batch
    # of its own with its parent and the jurisdictions it covers; pages and the API list parents only.
    parent = models.ForeignKey("self", verbose_name=_("所属批次"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="parts")
    scope = models.JSONField(_("计算范围"), default=list, blank=True,
                             help_text=_("部分批次覆盖的区域编号；为空表示整个区域"))

    class Meta:
        verbose_name = _("免申即享批次")
        verbose_name_plural = _("免申即享批次")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.jurisdiction} {self.year}（{self.get_status_display()}）"

    @property
    def counts_text(self) -> str:
        """The results in words: "符合 12 条、不符合 234 条、新增 12 条"."""
        labels = {key: str(label) for key, label in BATCH_COUNT_LABELS.items()}
        return formatting.counts_text(self.counts, labels, pattern=gettext("%(label)s %(n)s 条"),
                                      separator=gettext("、"))


# What a batch counts (EntitlementBatch.counts), in the order shown: the engine's decisions,
# then what the batch did to the ledger.
BATCH_COUNT_LABELS = {
    "decision_pass": _("符合"),
    "decision_fail": _("不符合"),
    "decision_unknown": _("信息不足"),
    "created": _("新增"),
    "updated": _("更新"),
    "unchanged": _("未变化"),
    "withdrawn": _("撤回（不再符合）"),
    "protected": _("已审批、拨付或驳回（未改动）"),
    "review_reset": _("初审撤销（重算有变化）"),
}


class Entitlement(models.Model):
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT,
                                   related_name="entitlements")
    rule = models.ForeignKey(IncentiveRule, verbose_name=_("规则"), on_delete=models.PROTECT,
                             related_name="entitlements")
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True,
                                 help_text=_("规则未定金额时为空（如以上级实际发放为准）"))
    payers = models.JSONField(_("出资方"), default=list)
    citation = models.CharField(_("依据"), max_length=200)
    reason = models.TextField(_("计算说明"))
    rule_version = models.CharField(_("规则版本"), max_length=200)
    reference_date = models.DateField(_("认定日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=EntitlementStatus.choices,
                              default=EntitlementStatus.PENDING)
    batch = models.ForeignKey(EntitlementBatch, verbose_name=_("批次"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="entitlements")
    computed_at = models.DateTimeField(_("计算时间"))
    # The sign-off: each step keeps its person and time (incentives/domain/signoff.py).
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("初审人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("驳回人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    rejected_at = models.DateTimeField(_("驳回时间"), null=True, blank=True)
    rejection_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("拨付登记人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    paid_at = models.DateTimeField(_("拨付登记时间"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    # The finance system's voucher or transfer number, so the ledger row can be traced to the payment.
    payment_reference = models.CharField(_("拨付凭证号"), max_length=60, blank=True)
    recompute_note = models.CharField(_("重算提示"), max_length=300, blank=True,
                                      help_text=_("已审批或已拨付后，重算结果与记录不一致时的提示"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("奖补兑现台账")
        verbose_name_plural = _("奖补兑现台账")
        ordering = ["-year", "enterprise__name", "rule__key"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "rule", "year"], name="entitlement_one_per_rule_year"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                                   name="entitlement_rejection_has_reason"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(paid_on__isnull=False),
                                   name="entitlement_paid_has_date"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year} {self.rule.title}"
