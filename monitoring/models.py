"""Monthly checks, the warnings they raise, the staff workflow on each warning
and the assistance (帮扶) given to the enterprise."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.models import Department, Enterprise, Jurisdiction


class PoolRule(models.TextChoices):
    NONE = "", _("不自动建议")
    XIAOYI = "xiaoyi", _("孝义：培育库2倍、储备库5倍年均目标")
    PINGDINGSHAN = "pingdingshan", _("平顶山：营收≥1000万元，预期数1.2倍")
    YUXIAN = "yuxian", _("盂县：基础库>500万元，培育库≥1000万元")
    SHUNCHENG = "shuncheng", _("顺城：1500–2000万元，按季度调整")


class CheckPolicy(models.Model):
    """How and when a jurisdiction's monthly check runs (监测设置)."""

    jurisdiction = models.OneToOneField(Jurisdiction, verbose_name=_("区域"), on_delete=models.CASCADE,
                                        related_name="check_policy")
    run_day = models.PositiveSmallIntegerField(_("每月运行日"), default=10,
                                               validators=[MinValueValidator(1), MaxValueValidator(28)],
                                               help_text=_("月末之后第几天运行上月检查"))
    margin = models.DecimalField(_("临界幅度"), max_digits=4, decimal_places=3, default=Decimal("0.100"),
                                 help_text=_("预计营收在2000万元以上此比例内为中度退规风险"))
    yoy_fall = models.DecimalField(_("同比降幅预警线"), max_digits=4, decimal_places=3, default=Decimal("0.200"))
    jump_factor = models.DecimalField(_("营收突增倍数"), max_digits=5, decimal_places=2, default=Decimal("3"))
    near_zero_output = models.DecimalField(_("产值接近零（元）"), max_digits=14, decimal_places=2,
                                           default=Decimal("10000"))
    min_electricity_kwh = models.DecimalField(_("用电量下限（千瓦时）"), max_digits=14, decimal_places=1,
                                              default=Decimal("10000"))
    escalation_days = models.PositiveSmallIntegerField(_("超期升级天数"), default=14)
    pool_rule = models.CharField(_("入库建议规则"), max_length=20, choices=PoolRule.choices, blank=True)
    pool_rule_citation = models.CharField(_("入库规则依据"), max_length=120, blank=True)
    annual_target = models.PositiveIntegerField(
        _("年均目标（户）"), null=True, blank=True,
        help_text=_("孝义规则：规上工业企业“十四五”计划年均目标；留空则由“十四五”末目标折算"))
    expected_count = models.PositiveIntegerField(_("预期新增数（户）"), null=True, blank=True)
    plan_goal = models.PositiveIntegerField(
        _("“十四五”末规上工业企业目标（户）"), null=True, blank=True,
        help_text=_("文件写明的“十四五”末（2025年末）规上工业企业户数目标；年均目标留空时，按（目标－2020年末规上户数）÷5折算"))
    plan_goal_citation = models.CharField(_("“十四五”末目标依据"), max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监测设置")
        verbose_name_plural = _("监测设置")

    def __str__(self):
        return str(self.jurisdiction)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .services import schedule_sync
        schedule_sync(self)


class CheckRun(models.Model):
    """One monthly check of one jurisdiction and month.

    At most one run per jurisdiction and month is active (queued, running or re-queued)
    at a time; the database enforces it with a partial unique constraint. The worker
    executing a run holds its claim (`claim`, a fencing token) and a PostgreSQL advisory
    lock for the run, and records a heartbeat with its progress; see
    `services.monthly_check_run` and `services.check_runs_reap`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        REQUEUED = "requeued", _("已重新排队")
        FINISHED = "finished", _("已完成")
        FAILED = "failed", _("失败")

    class Note(models.TextChoices):
        NONE = "", "—"
        WORKER_LOST = "worker_lost", _("工作进程中断，已重新排队")
        TAKEN_OVER = "taken_over", _("工作进程中断，已由重新投递的任务接手")
        TRANSIENT = "transient", _("数据库暂时冲突或连接中断，已重新排队，稍后自动重试")
        GAVE_UP_WORKER_LOST = "gave_up_worker_lost", _(
            "工作进程多次中断，已达运行次数上限，不再自动重试；请检查工作进程后重新发起检查")
        GAVE_UP_TRANSIENT = "gave_up_transient", _("多次遇到暂时性数据库错误，已达运行次数上限，不再自动重试")
        IN_PARTS = "in_parts", _("企业较多，已按区县分为多个部分，由工作进程并行检查")
        PART_FAILED = "part_failed", _("部分区县的检查失败，详见错误")

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.REQUEUED)

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("区域"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", help_text=_("为空表示定时任务"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True,
                                        help_text=_("运行中的工作进程定期更新；排队时为最近一次派发时间"))
    claim = models.CharField(_("执行标识"), max_length=100, blank=True,
                             help_text=_("当前执行该检查的工作进程；重新排队或接手后更换"))
    total = models.PositiveIntegerField(_("企业数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    counts = models.JSONField(_("结果统计"), default=dict, blank=True)
    note = models.CharField(_("运行说明"), max_length=30, choices=Note.choices, blank=True,
                            help_text=_("最近一次中断、重新排队或放弃的原因"))
    error = models.TextField(_("错误"), blank=True)
    # A run over many enterprises is split into parts (services.monthly_check_run): each part is a
    # run of its own, with its parent and the jurisdictions it covers; the parent finishes when
    # its last part does. Pages and the API list parents only.
    parent = models.ForeignKey("self", verbose_name=_("所属检查"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="parts")
    scope = models.JSONField(_("检查范围"), default=list, blank=True,
                             help_text=_("部分检查覆盖的区域编号；为空表示整个区域"))

    class Meta:
        verbose_name = _("检查运行记录")
        verbose_name_plural = _("检查运行记录")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "month"],
                                    condition=models.Q(status__in=["queued", "running", "requeued"],
                                                       parent__isnull=True),
                                    name="checkrun_one_active_per_period"),
        ]

    def __str__(self):
        return f"{self.jurisdiction} {self.year}-{self.month:02d} {self.get_status_display()}"

    @property
    def counts_text(self) -> str:
        """The results in words: "退规风险 2 条、未变化 8 条"."""
        from .display import run_counts_text

        return run_counts_text(self.counts)

    @property
    def progress_percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else (100 if self.status == "finished" else 0)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def heartbeat_stale(self) -> bool:
        """Running, but no sign of life for longer than the reaper waits: the worker is probably gone."""
        from .services import RUN_STALE_AFTER

        last = self.heartbeat_at or self.started_at
        return self.status == self.Status.RUNNING and last is not None and last < timezone.now() - RUN_STALE_AFTER


class WarningKind(models.TextChoices):
    READY_TO_DECLARE = "ready_to_declare", _("达规待入统")
    EXIT_RISK = "exit_risk", _("退规风险")
    LATE_REPORT = "late_report", _("未按时报送")
    INTEGRITY_NO_OUTPUT = "integrity_no_output", _("有电量无产值")
    INTEGRITY_JUMP = "integrity_jump", _("营收异常突增")
    POOL_SUGGESTION = "pool_suggestion", _("入库调整建议")


class Severity(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")


ACTIVE_STATUSES = (WarningStatus.OPEN, WarningStatus.ASSIGNED, WarningStatus.IN_PROGRESS)


class EarlyWarning(models.Model):
    """One warning per enterprise, kind and period: re-running a check updates it."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="warnings")
    kind = models.CharField(_("类型"), max_length=30, choices=WarningKind.choices)
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    severity = models.CharField(_("等级"), max_length=10, choices=Severity.choices)
    rule = models.CharField(_("触发规则"), max_length=200)
    evidence = models.JSONField(_("依据数据"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="assigned_warnings")
    outcome = models.TextField(_("处理结果"), blank=True)
    run = models.ForeignKey(CheckRun, verbose_name=_("检查批次"), null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="warnings")
    opened_at = models.DateTimeField(_("产生时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-year", "-month", "severity", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "year", "month"], name="warning_one_per_period"),
        ]
        indexes = [models.Index(fields=["status", "opened_at"], name="warning_status_opened_idx")]

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()} {self.year}-{self.month:02d}"

    @property
    def evidence_rows(self):
        """The evidence labelled and formatted (万元, %, kWh), for the page."""
        from .display import evidence_rows

        return evidence_rows(self.evidence)

    @property
    def evidence_summary(self) -> str:
        """The key figures in one line, for e-mails."""
        from .display import evidence_summary

        return evidence_summary(self.kind, self.evidence)


class Assistance(models.Model):
    """帮扶: a visit or call, the problems found, what was done and what comes next."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="assistance")
    warning = models.ForeignKey(EarlyWarning, verbose_name=_("预警"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="assistance")
    assisted_on = models.DateField(_("帮扶日期"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("帮扶人"), on_delete=models.PROTECT,
                              related_name="+")
    problems = models.TextField(_("发现问题"))
    actions = models.TextField(_("帮扶措施"))
    next_step = models.TextField(_("下一步"), blank=True)
    # The enterprise's own answer to a warning from its portal (staff = its account), not a staff visit.
    from_enterprise = models.BooleanField(_("企业答复"), default=False)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-assisted_on", "-id"]


class TargetMeasure(models.TextChoices):
    NET_INCREASE = "net_increase", _("净增户数")
    NEW_ENTRIES = "new_entries", _("新增入规户数")
    IN_SCALE = "in_scale", _("年末规上企业数")


class Target(models.Model):
    """A year's target of one unit: a jurisdiction, or a responsible department (责任单位).

    净增 (net increase) is entries minus exits in the year; 新增 counts entries only; the
    in-scale count is the number of enterprises in scale at the end of the year. Each target
    cites the document and clause that sets it. It is set by the level above the unit (a
    city sets its counties' targets, a county its towns' and its departments'), never by the
    unit itself; every change is kept (simple-history).
    """

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    measure = models.CharField(_("指标"), max_length=20, choices=TargetMeasure.choices,
                               default=TargetMeasure.NET_INCREASE)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("区域"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="targets")
    department = models.ForeignKey(Department, verbose_name=_("责任单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="targets")
    value = models.PositiveIntegerField(_("目标（户）"), validators=[MaxValueValidator(1_000_000)])
    citation = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("文件文号及条款"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标任务")
        verbose_name_plural = _("目标任务")
        ordering = ["-year", "jurisdiction__path", "department__key", "measure"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(jurisdiction__isnull=False, department__isnull=True)
                | models.Q(jurisdiction__isnull=True, department__isnull=False),
                name="target_one_unit"),
            models.UniqueConstraint(fields=["jurisdiction", "year", "measure"],
                                    condition=models.Q(jurisdiction__isnull=False),
                                    name="target_one_per_jurisdiction_year_measure"),
            models.UniqueConstraint(fields=["department", "year", "measure"],
                                    condition=models.Q(department__isnull=False),
                                    name="target_one_per_department_year_measure"),
        ]

    def __str__(self):
        return f"{self.unit_name} {self.year} {self.get_measure_display()} {self.value}"

    @property
    def unit(self):
        return self.jurisdiction if self.jurisdiction_id else self.department

    @property
    def unit_name(self) -> str:
        return str(self.unit) if self.unit is not None else ""

