"""Policy documents, their clauses and the incentive rules encoded from them.

The YAML files under policies/data/documents are the reviewed source; `manage.py
load_policies` copies them here, where staff can read them and correct a rule in
the admin (validated by the same catalog parser the files go through).
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.models import Jurisdiction

from . import catalog
from .engine import EVALUATORS


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("征求意见稿（未生效）")
    IN_FORCE = "in_force", _("现行有效")
    REPEALED = "repealed", _("已废止")


class PolicyDocument(models.Model):
    key = models.SlugField(_("编号"), max_length=60, unique=True)
    number = models.CharField(_("文号"), max_length=120)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=120, blank=True)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("发文区域"), on_delete=models.PROTECT,
                                     related_name="policy_documents")
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    # A document not among the sources has its effective date estimated (e.g. from the year in its
    # number); pages and decisions say so until staff correct it. A correction keeps who, when and
    # why, and `load_policies` no longer overwrites the date from the file.
    effective_from_estimated = models.BooleanField(_("生效日期为推定"), default=False)
    effective_from_basis = models.CharField(_("推定依据"), max_length=200, blank=True,
                                            help_text=_("如 按文号年份推定"))
    effective_from_corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生效日期更正人"),
                                                    null=True, blank=True, on_delete=models.SET_NULL,
                                                    related_name="+")
    effective_from_corrected_at = models.DateTimeField(_("生效日期更正时间"), null=True, blank=True)
    effective_from_correction_reason = models.CharField(_("生效日期更正依据"), max_length=500, blank=True)
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DocumentStatus.choices)
    amends = models.ForeignKey("self", verbose_name=_("修改的文件"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="amendments")
    repeals = models.JSONField(_("同时废止"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)
    full_text = models.TextField(_("全文"), blank=True)
    source_file = models.CharField(_("规则文件"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        ordering = ["jurisdiction__path", "-issued_on", "key"]

    def __str__(self):
        return f"{self.number}《{self.title}》"

    @property
    def effective_from_corrected(self) -> bool:
        return self.effective_from_corrected_at is not None

    def clean(self):
        if self.status == DocumentStatus.IN_FORCE and self.effective_from is None:
            raise ValidationError({"effective_from": _("现行有效的文件必须填写生效日期")})


class Clause(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="clauses")
    path = models.CharField(_("条款"), max_length=80, help_text=_("如 三(五)、附件2 四(三)"))
    text = models.TextField(_("条款原文"))
    responsible_units = models.JSONField(_("责任单位"), default=list, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("条款")
        verbose_name_plural = _("条款")
        ordering = ["document", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "path"], name="clause_unique_path")]

    def __str__(self):
        return f"{self.document.number} {self.path}"


class ClauseChange(models.Model):
    """An amendment deleting or rewording a clause of the document it amends."""

    amendment = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="clause_changes")
    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("修改方式"), max_length=10, choices=[("delete", _("删除")), ("change", _("修改"))])
    by_clause = models.CharField(_("依据修改意见条目"), max_length=20)
    new_text = models.TextField(_("修改后文字"), blank=True)
    unit_changes = models.JSONField(_("责任单位修改"), default=dict, blank=True,
                                    help_text=_('如 {"remove": ["市统计局"], "rename": {"市金融办": "市政府办"}}'))

    class Meta:
        verbose_name = _("条款修改")
        verbose_name_plural = _("条款修改")
        ordering = ["amendment", "clause__position", "pk"]
        # Two items of one amendment may touch the same clause (e.g. 阳泉修改意见 2 and 15 on 二(二)1).
        constraints = [models.UniqueConstraint(fields=["amendment", "clause", "by_clause"],
                                               name="clause_change_unique_per_item")]

    @property
    def unit_change_lines(self) -> list[str]:
        changes = self.unit_changes or {}
        lines = [_("删除“%(unit)s”") % {"unit": unit} for unit in changes.get("remove", [])]
        lines += [_("“%(old)s”改为“%(new)s”") % {"old": old, "new": new}
                  for old, new in (changes.get("rename") or {}).items()]
        return lines


class IncentiveRule(models.Model):
    key = models.SlugField(_("规则编号"), max_length=80, unique=True)
    document = models.ForeignKey(PolicyDocument, verbose_name=_("政策文件"), on_delete=models.CASCADE,
                                 related_name="rules")
    clause = models.ForeignKey(Clause, verbose_name=_("条款"), on_delete=models.PROTECT, related_name="rules")
    kind = models.CharField(_("规则类型"), max_length=40, choices=[(k, k) for k in sorted(EVALUATORS)])
    title = models.CharField(_("名称"), max_length=200)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("适用区域（含下级）"), on_delete=models.PROTECT,
                                     related_name="incentive_rules")
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    payers = models.JSONField(_("出资方"), default=list, blank=True,
                              help_text=_('如 [{"payer": "山西省财政", "share": 1}]；属地财政写 "@local" 并填写分担表'))
    params = models.JSONField(_("参数"), default=dict, blank=True)
    split = models.CharField(_("分担比例表"), max_length=40, blank=True)
    cited_as = models.CharField(_("引用文号"), max_length=120, blank=True)
    note = models.TextField(_("说明"), blank=True, help_text=_("如何理解条款、条件的依据等"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("奖补规则")
        verbose_name_plural = _("奖补规则")
        ordering = ["document", "key"]

    def __str__(self):
        return f"{self.title}（{self.document.number} {self.clause.path if self.clause_id else ''}）"

    def as_mapping(self) -> dict:
        return {
            "key": self.key, "kind": self.kind, "title": self.title, "clause": self.clause.path,
            "jurisdiction": self.jurisdiction.key, "valid_from": self.valid_from, "valid_to": self.valid_to,
            "amount": self.amount, "payers": self.payers, "params": self.params, "split": self.split or None,
            "cited_as": self.cited_as or None, "note": self.note,
        }

    def clean(self):
        if not (self.document_id and self.clause_id and self.jurisdiction_id):
            return
        if self.clause.document_id != self.document_id:
            raise ValidationError({"clause": _("条款不属于所选政策文件")})
        try:
            catalog.parse_rule(self.as_mapping(), self.key, {
                "document_key": self.document.key, "number": self.document.number, "title": self.document.title,
                "jurisdiction": self.jurisdiction.key, "effective_from": self.document.effective_from,
                "status": self.document.status, "clauses": None})
        except catalog.CatalogError as error:
            raise ValidationError(str(error)) from error
        if self.split and not FundingSplitTable.objects.filter(key=self.split).exists():
            raise ValidationError({"split": _("分担比例表“%(key)s”不存在") % {"key": self.split}})


class LocalCondition(models.Model):
    """A document's clause on a rule of a higher-level document (e.g. 孝义 三(四) on the 山西
    provincial award): cited beside the rule, and its exclusions applied, only in the issuing
    document's jurisdiction subtree while that document is in force."""

    document = models.ForeignKey(PolicyDocument, verbose_name=_("发文文件"), on_delete=models.CASCADE,
                                 related_name="local_conditions")
    clause = models.ForeignKey(Clause, verbose_name=_("条款"), on_delete=models.CASCADE,
                               related_name="local_conditions")
    rule = models.ForeignKey(IncentiveRule, verbose_name=_("所涉规则"), on_delete=models.CASCADE,
                             related_name="local_conditions")
    excluded = models.JSONField(_("不予奖励的入规类型"), default=dict, blank=True,
                                help_text=_('入规类型 → 条款原文，如 {"name_change_reentry": "……不予享受财政奖励"}'))
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("地方条款（转述或附加条件）")
        verbose_name_plural = _("地方条款（转述或附加条件）")
        ordering = ["document__key", "position"]
        constraints = [models.UniqueConstraint(fields=["clause", "rule"], name="local_condition_unique")]

    def __str__(self):
        return f"{self.document.number} {self.clause.path} → {self.rule.key}"


class RuleAmendment(models.Model):
    """An amending document deleting or changing a rule from its effective date."""

    amendment = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="rule_changes")
    rule = models.ForeignKey(IncentiveRule, on_delete=models.CASCADE, related_name="amendments")
    action = models.CharField(_("修改方式"), max_length=10, choices=[("delete", _("删除")), ("change", _("修改"))])
    changes = models.JSONField(_("修改内容"), default=dict, blank=True)
    by_clause = models.CharField(_("依据修改意见条目"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("规则修改")
        verbose_name_plural = _("规则修改")
        constraints = [models.UniqueConstraint(fields=["amendment", "rule"], name="rule_amendment_unique")]


class FundingSplitTable(models.Model):
    """Who pays the local share, by county-level jurisdiction (e.g. 平顶山 正文末段)."""

    key = models.SlugField(_("编号"), max_length=40, unique=True)
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="splits")
    clause = models.CharField(_("条款"), max_length=80)
    by_jurisdiction = models.JSONField(_("分担比例"), default=dict)

    class Meta:
        verbose_name = _("资金分担比例表")
        verbose_name_plural = _("资金分担比例表")

    def __str__(self):
        return self.key
