"""The ground floor: jurisdictions, departments, enterprises, monthly figures,
pools, scale events and the people who use the portal.

Everything that changes over time is kept as dated rows (names, pool
memberships, scale events) or in simple-history tables (figures, registry
fields), never overwritten without a trace.
"""
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .domain import credit_code, reporting
from .domain.formatting import person
from .domain.units import unit_name

MONEY = {"max_digits": 16, "decimal_places": 2}
WAN = Decimal("10000")


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（市、区）")
    TOWN = "town", _("乡镇（街道）")
    ZONE = "zone", _("功能区")


class Jurisdiction(models.Model):
    """A node of province → city → county → town, or a functional zone.

    `path` is the chain of keys from the root ("/140000/140300/140322/"), so a
    subtree is one indexed prefix match instead of a recursive query.
    """

    key = models.CharField(_("编号"), max_length=40, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=6, unique=True, null=True, blank=True,
                            help_text=_("GB/T 2260；乡镇和功能区没有"))
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=10, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    former_names = models.JSONField(_("曾用名"), default=list, blank=True)
    report_deadline_day = models.PositiveSmallIntegerField(
        _("月度数据报送截止日"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(reporting.MAX_DEADLINE_DAY)],
        help_text=_("次月几日前（含当日）须报送上月数据；留空则沿用上级区域的设置，都未设置为每月10日"))
    # Sign-off of the entitlement ledger (incentives/domain/signoff.py), inherited down the tree
    # like the deadline day: the nearest jurisdiction that sets one decides.
    duty_separation = models.BooleanField(
        _("奖补兑现职责分离"), null=True, blank=True,
        help_text=_("开启时审批人须不同于初审人，拨付由财政拨付人员登记；关闭时一人可办理全部环节。留空则沿用上级区域的设置，都未设置为开启"))
    staff_may_record_payment = models.BooleanField(
        _("中心工作人员可登记拨付"), null=True, blank=True,
        help_text=_("职责分离开启时，是否也允许未参与初审和审批的中心工作人员登记拨付。留空则沿用上级区域的设置，都未设置为否"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="jurisdiction_path_idx",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(report_deadline_day__isnull=True)
                | Q(report_deadline_day__gte=1, report_deadline_day__lte=reporting.MAX_DEADLINE_DAY),
                name="jurisdiction_report_deadline_day_range"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        parent_path = self.parent.path if self.parent_id else "/"
        self.path = f"{parent_path}{self.key}/"
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def ancestors(self):
        """Root first, self last: the chain a rule lookup walks."""
        keys = [k for k in self.path.split("/") if k]
        by_key = {j.key: j for j in Jurisdiction.objects.filter(key__in=keys)}
        return [by_key[k] for k in keys]

    def full_name(self) -> str:
        return "".join(j.name for j in self.ancestors())


class Department(models.Model):
    """A responsible unit (责任单位) of a jurisdiction; its name history is kept."""

    key = models.CharField(_("编号"), max_length=60, unique=True)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("所属区域"), on_delete=models.PROTECT,
                                     related_name="departments")
    name = models.CharField(_("名称"), max_length=80)
    full_name = models.CharField(_("全称"), max_length=120, blank=True)
    is_sme_center = models.BooleanField(_("中小企业服务中心"), default=False)
    successor = models.ForeignKey("self", verbose_name=_("职能承接单位"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="predecessors")
    source = models.CharField(_("出处"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["jurisdiction__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="department_unique_name"),
        ]

    def __str__(self):
        # Named once: 盂县 + 县工信局 is 盂县工信局, 山西省民营经济发展局 already names its province.
        return unit_name(self.jurisdiction.name, self.name) if self.jurisdiction_id else self.name

    def name_on(self, day):
        """The name the department carried on `day` (renames keep the old name)."""
        for former in self.names.filter(valid_to__gt=day).order_by("valid_to"):
            return former.name
        return self.name


class DepartmentName(models.Model):
    """A former name of a department, valid until (excluding) `valid_to`."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("曾用名"), max_length=80)
    valid_to = models.DateField(_("停用日期"))
    source = models.CharField(_("依据"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任单位曾用名")
        verbose_name_plural = _("责任单位曾用名")
        ordering = ["department", "valid_to"]
        constraints = [
            models.UniqueConstraint(fields=["department", "name", "valid_to"], name="department_name_unique"),
        ]

    def __str__(self):
        return f"{self.name}（至{self.valid_to}）"


class Role(models.TextChoices):
    CENTER_STAFF = "center_staff", _("中小企业服务中心工作人员")
    DEPARTMENT_STAFF = "department_staff", _("责任单位工作人员")
    LEADER = "leader", _("领导")
    ENTERPRISE = "enterprise", _("企业用户")
    API_CLIENT = "api_client", _("接口客户端")
    FINANCE = "finance", _("财政拨付人员")


class User(AbstractUser):
    """A person or system using the portal, with the one scope their role implies."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CENTER_STAFF)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("所辖区域"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="users")
    department = models.ForeignKey(Department, verbose_name=_("责任单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    enterprise = models.ForeignKey("Enterprise", verbose_name=_("企业"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    # Who may see what is audited: role and scope changes, activation, admin rights.
    # The password hash and login times are not history worth keeping.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        # Staff know each other by name, not by login: forms, pages, e-mails and exports all print this.
        return person(self)

    def clean(self):
        super().clean()
        needs = {
            Role.CENTER_STAFF: ("jurisdiction", _("中小企业服务中心工作人员必须指定所辖区域")),
            Role.LEADER: ("jurisdiction", _("领导必须指定所辖区域")),
            Role.API_CLIENT: ("jurisdiction", _("接口客户端必须指定所辖区域")),
            Role.FINANCE: ("jurisdiction", _("财政拨付人员必须指定所辖区域")),
            Role.DEPARTMENT_STAFF: ("department", _("责任单位工作人员必须指定责任单位")),
            Role.ENTERPRISE: ("enterprise", _("企业用户必须指定企业")),
        }
        field, message = needs[self.role]
        if not self.is_superuser and getattr(self, f"{field}_id") is None:
            raise ValidationError({field: message})


class EnterpriseCategory(models.TextChoices):
    """The kind of entity, not its scale: whether an enterprise is 规上 is its scale status
    (Enterprise.is_in_scale, kept from scale events). Until 2026-11 the first value was
    "below_scale_industry" labelled 规下工业, which contradicted the scale of in-scale enterprises."""
    INDUSTRY = "industry", _("工业企业")
    SOLE_PROPRIETOR = "sole_proprietor", _("个体工商户")
    NEW_PROJECT = "new_project", _("新开工/投产项目")
    ABOVE_QUOTA_TRADE = "above_quota_trade", _("限上批零住餐")
    QUALIFIED_CONSTRUCTION = "qualified_construction", _("资质建筑业")
    ABOVE_SCALE_SERVICE = "above_scale_service", _("规上服务业")


class EnterpriseSize(models.TextChoices):
    """Size class by 《统计上大中小微型企业划分办法（2017）》 (国统字〔2017〕213号); 阳办发[2021]11号 二(二)4
    pays its continued-in-scale awards to 小微 (small and micro) enterprises only."""
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


def validate_credit_code(value):
    result = credit_code.check(value)
    if not result.is_valid:
        raise ValidationError("；".join(result.errors), code="invalid_credit_code")


def validate_industry_code(value):
    # GB/T 4754-2017: optional section letter, then 2 (大类) to 4 (小类) digits.
    text = value.strip().upper()
    digits = text[1:] if text[:1].isalpha() else text
    if not (digits.isdigit() and 2 <= len(digits) <= 4) or (text[:1].isalpha() and not "A" <= text[0] <= "T"):
        raise ValidationError(
            _("国民经济行业代码应为GB/T 4754格式，如“C3311”或“3311”，实际为“%(value)s”"),
            params={"value": value}, code="invalid_industry_code",
        )


class Enterprise(models.Model):
    """One row of the basic information pool (基础信息库), keyed by credit code."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    name = models.CharField(_("企业名称"), max_length=120, db_index=True)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("所属区域"), on_delete=models.PROTECT,
                                     related_name="enterprises")
    department = models.ForeignKey(Department, verbose_name=_("责任单位"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="enterprises")
    industry_code = models.CharField(_("国民经济行业代码"), max_length=5, blank=True,
                                     validators=[validate_industry_code])
    category = models.CharField(_("企业类别"), max_length=30, choices=EnterpriseCategory.choices,
                                default=EnterpriseCategory.INDUSTRY)
    legal_representative = models.CharField(_("法定代表人"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    size_class = models.CharField(_("企业规模"), max_length=10, choices=EnterpriseSize.choices, blank=True,
                                  help_text=_("按《统计上大中小微型企业划分办法（2017）》划分；未登记时依赖规模的奖补结论为“信息不足”"))
    is_in_scale = models.BooleanField(_("规上"), default=False, editable=False,
                                      help_text=_("由规模状态事件推出，不可直接修改"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Bookkeeping for 免申即享 (enterprises knows no entitlements): the registry's services
    # stamp `facts_changed_at` when a fact an award depends on changes (recognition, listing,
    # refinancing, annual attestation, scale event); a batch that evaluates the enterprise
    # stamps `facts_evaluated_at`. Changed after evaluated = entitlements await the next batch.
    facts_changed_at = models.DateTimeField(_("奖补相关事实变更时间"), null=True, blank=True, editable=False)
    facts_evaluated_at = models.DateTimeField(_("免申即享最近重算时间"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["facts_changed_at", "facts_evaluated_at"])

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def facts_pending(self) -> bool:
        """A fact behind the awards changed since the last 免申即享 batch evaluated the enterprise."""
        if self.facts_changed_at is None:
            return False
        return self.facts_evaluated_at is None or self.facts_evaluated_at < self.facts_changed_at

    def clean(self):
        super().clean()
        self.credit_code = credit_code.normalize(self.credit_code)
        if self.industry_code:
            self.industry_code = self.industry_code.strip().upper()
        if self.department_id and self.jurisdiction_id:
            dep_path = self.department.jurisdiction.path
            if not (self.jurisdiction.path.startswith(dep_path) or dep_path.startswith(self.jurisdiction.path)):
                raise ValidationError({"department": _("责任单位不属于企业所在区域")})


class EnterpriseName(models.Model):
    """A name the enterprise carried, so a re-entry under a new name stays detectable."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("名称"), max_length=120, db_index=True)
    valid_from = models.DateField(_("启用日期"), null=True, blank=True)
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("企业名称记录")
        verbose_name_plural = _("企业名称记录")
        ordering = ["enterprise", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise"], condition=Q(valid_to__isnull=True),
                                    name="enterprise_one_current_name"),
        ]

    def __str__(self):
        return self.name


class RecognitionKind(models.TextChoices):
    TECH_SME = "tech_sme", _("科技型中小企业")
    PROVINCIAL_SRDI = "provincial_srdi", _("省级专精特新中小企业")
    NATIONAL_LITTLE_GIANT = "national_little_giant", _("国家级专精特新“小巨人”企业")
    HIGH_TECH = "high_tech", _("高新技术企业")
    NATIONAL_SERVICE_PLATFORM = "national_service_platform", _("国家级中小企业公共服务示范平台")
    PROVINCIAL_SERVICE_PLATFORM = "provincial_service_platform", _("省级中小企业公共服务示范平台")
    NATIONAL_DEMO_BASE = "national_demo_base", _("国家小型微型企业创业创新示范基地")
    PROVINCIAL_DEMO_BASE = "provincial_demo_base", _("省级小型微型企业创业创新示范基地")


class Recognition(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="recognitions")
    kind = models.CharField(_("认定类型"), max_length=30, choices=RecognitionKind.choices)
    certificate_no = models.CharField(_("证书编号"), max_length=60, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    is_first = models.BooleanField(_("首次认定"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资质认定")
        verbose_name_plural = _("资质认定")
        ordering = ["enterprise", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="recognition_valid_range"),
            models.UniqueConstraint(fields=["enterprise", "kind", "valid_from"], name="recognition_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.valid_from}—{self.valid_to or ''}）"

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ScaleEventKind(models.TextChoices):
    FIRST_ENTRY = "first_entry", _("首次入规")
    TREATED_ENTRY = "treated_entry", _("视同小升规")
    REENTRY = "reentry", _("二次入规")
    NAME_CHANGE_REENTRY = "name_change_reentry", _("仅变更名称再次入规")
    EXIT = "exit", _("退规")


class TreatedEntryBasis(models.TextChoices):
    NEW_PROJECT = "new_project", _("新开工（投产）项目入规")
    ABOVE_QUOTA_CONVERSION = "above_quota_conversion", _("限（资）上企业转规")


class ScaleEvent(models.Model):
    """A dated change of scale status (入规/退规); the current status is derived from these."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="scale_events")
    kind = models.CharField(_("事件类型"), max_length=30, choices=ScaleEventKind.choices)
    occurred_on = models.DateField(_("日期"))
    treated_basis = models.CharField(_("视同依据"), max_length=30, choices=TreatedEntryBasis.choices, blank=True)
    name_at_event = models.CharField(_("事件时企业名称"), max_length=120)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("规模状态事件")
        verbose_name_plural = _("规模状态事件")
        ordering = ["enterprise", "occurred_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "occurred_on"], name="scale_event_unique"),
            models.CheckConstraint(
                condition=Q(kind="treated_entry", treated_basis__gt="") | (~Q(kind="treated_entry") & Q(treated_basis="")),
                name="scale_event_treated_basis"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on}"


class Contact(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=40, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["enterprise", "-is_primary", "name"]

    def __str__(self):
        return self.name


class FigureSource(models.TextChoices):
    STAFF = "staff", _("工作人员录入")
    ENTERPRISE = "enterprise", _("企业填报")
    IMPORT = "import", _("批量导入")
    API = "api", _("接口")


class MonthlyFigure(models.Model):
    """One enterprise-month of figures. Values are for that month only, never
    year-to-date: YTD and trailing sums are derived, so they cannot be confused."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="monthly_figures")
    year = models.PositiveSmallIntegerField(_("年"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("月"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    revenue = models.DecimalField(_("当月主营业务收入（元）"), null=True, blank=True, **MONEY)
    output_value = models.DecimalField(_("当月工业总产值（元）"), null=True, blank=True, **MONEY)
    tax = models.DecimalField(_("当月税收（元）"), null=True, blank=True, **MONEY)
    electricity_kwh = models.DecimalField(_("当月用电量（千瓦时）"), max_digits=14, decimal_places=1,
                                          null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人员（人）"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=FigureSource.choices, default=FigureSource.STAFF)
    reported_at = models.DateTimeField(_("填报时间"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度数据")
        verbose_name_plural = _("月度数据")
        ordering = ["enterprise", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "month"], name="monthly_figure_one_per_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="monthly_figure_month_range"),
            models.CheckConstraint(condition=Q(revenue__isnull=True) | Q(revenue__gte=0),
                                   name="monthly_figure_revenue_nonnegative"),
            models.CheckConstraint(condition=Q(output_value__isnull=True) | Q(output_value__gte=0),
                                   name="monthly_figure_output_nonnegative"),
            models.CheckConstraint(condition=Q(electricity_kwh__isnull=True) | Q(electricity_kwh__gte=0),
                                   name="monthly_figure_electricity_nonnegative"),
        ]
        indexes = [models.Index(fields=["year", "month"], name="monthly_figure_period_idx")]

    def __str__(self):
        return f"{self.enterprise} {self.year}-{self.month:02d}"

    @property
    def revenue_wan(self):
        return None if self.revenue is None else self.revenue / WAN


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class FigureCorrectionRequest(models.Model):
    """An enterprise's change to a month whose reporting deadline has passed.

    Nothing is written to the month until staff in scope approve; approving
    applies the proposed values through the figure service as that staff user,
    so the figure's history shows the change and who made it.

    `proposed` holds only the fields the enterprise gave ({field: value}, a
    value of null asks to clear the field); `previous` the stored values of
    those fields when the request was made. Decimals are kept as strings.
    """

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="figure_corrections")
    year = models.PositiveSmallIntegerField(_("年"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    month = models.PositiveSmallIntegerField(_("月"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    proposed = models.JSONField(_("申请数值"))
    previous = models.JSONField(_("申请时原值"), default=dict, blank=True)
    reason = models.CharField(_("更正原因"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=CorrectionStatus.choices,
                              default=CorrectionStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度数据更正申请")
        verbose_name_plural = _("月度数据更正申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "month"], condition=Q(status="pending"),
                                    name="figure_correction_one_pending_per_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="figure_correction_month_range"),
            models.CheckConstraint(condition=~Q(reason=""), name="figure_correction_has_reason"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="figure_correction_decided_when_not_pending"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.year}-{self.month:02d} {self.get_status_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == CorrectionStatus.PENDING

    def lines(self, stored: "MonthlyFigure | None | bool" = False) -> list[dict]:
        """One line per proposed field, in form order: label, whether it is money
        (shown in 万元), the old and the proposed value (None = empty).

        The old value is the one recorded with the request, or, given `stored`
        (the month's figure now, None if there is none), the value an approval
        would overwrite."""
        out = []
        for name in FIGURE_FIELD_ORDER:
            if name not in self.proposed:
                continue
            if stored is False:
                old = figure_value_from_json(name, self.previous.get(name))
            else:
                old = getattr(stored, name) if stored is not None else None
            out.append({"field": name, "label": FIGURE_FIELD_LABELS[name], "money": name in MONEY_FIGURES,
                        "old": old, "new": figure_value_from_json(name, self.proposed[name])})
        return out


FIGURE_FIELD_ORDER = ("revenue", "output_value", "tax", "electricity_kwh", "employees")
MONEY_FIGURES = frozenset({"revenue", "output_value", "tax"})
FIGURE_FIELD_LABELS = {
    "revenue": _("当月主营业务收入（万元）"),
    "output_value": _("当月工业总产值（万元）"),
    "tax": _("当月税收（万元）"),
    "electricity_kwh": _("当月用电量（千瓦时）"),
    "employees": _("从业人员（人）"),
}


def figure_value_to_json(value):
    """A figure value as kept in a correction request: Decimal as text, int as is."""
    if value is None or isinstance(value, int):
        return value
    return str(value)


def figure_value_from_json(name, value):
    if value is None:
        return None
    return int(value) if name == "employees" else Decimal(value)


class Pool(models.TextChoices):
    BASIC = "basic", _("基础信息库")
    RESERVE = "reserve", _("储备库")
    CULTIVATION = "cultivation", _("培育库")
    STATISTICS = "statistics", _("入统库")


class PoolMembership(models.Model):
    """A dated stay of an enterprise in one pool. An enterprise is in at most one
    pool at a time; moving closes the current stay and opens the next."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE,
                                   related_name="pool_memberships")
    pool = models.CharField(_("库"), max_length=20, choices=Pool.choices)
    entered_on = models.DateField(_("入库日期"))
    entry_reason = models.CharField(_("入库原因"), max_length=200)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("入库操作人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    exited_on = models.DateField(_("出库日期"), null=True, blank=True)
    exit_reason = models.CharField(_("出库原因"), max_length=200, blank=True)
    exited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出库操作人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("入库记录")
        verbose_name_plural = _("入库记录")
        ordering = ["enterprise", "entered_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise"], condition=Q(exited_on__isnull=True),
                                    name="pool_one_open_membership"),
            models.CheckConstraint(condition=Q(exited_on__isnull=True) | Q(exited_on__gte=models.F("entered_on")),
                                   name="pool_exit_after_entry"),
            models.CheckConstraint(condition=Q(exited_on__isnull=True) | ~Q(exit_reason=""),
                                   name="pool_exit_has_reason"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_pool_display()}"


PLATFORM_GRADE_LABELS = {1: _("一等"), 2: _("二等"), 3: _("三等"), 4: _("四等"), 5: _("五等"), 6: _("六等"),
                         7: _("七等"), 8: _("八等"), 9: _("九等")}


def platform_grade_label(grade) -> str:
    """An annual assessment grade as staff say it: 2 → "二等"."""
    return str(PLATFORM_GRADE_LABELS.get(grade, grade))


class AnnualAttestation(models.Model):
    """Facts assessed once a year that no monthly figure shows: full-capacity
    production (满负荷生产), sound development (发展良性), a platform's annual grade."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="attestations")
    year = models.PositiveSmallIntegerField(_("年度"))
    q1_full_capacity = models.BooleanField(_("一季度连续满负荷生产"), null=True, blank=True)
    development_sound = models.BooleanField(_("发展良性"), null=True, blank=True)
    platform_grade = models.PositiveSmallIntegerField(_("示范平台年度考核等次"), null=True, blank=True,
                                                      validators=[MinValueValidator(1), MaxValueValidator(9)])
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度认定事项")
        verbose_name_plural = _("年度认定事项")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="attestation_one_per_year")]


class ListingBoard(models.TextChoices):
    MAIN_BOARD = "main_board", _("主板")
    STAR = "star", _("科创板")
    CHINEXT = "chinext", _("创业板")
    BSE = "bse", _("北京证券交易所")
    NEEQ = "neeq", _("新三板")
    ZYEQ_TRADING = "zyeq_trading", _("中原股权交易中心交易板")


class ListingStage(models.TextChoices):
    TUTORING_FILED = "tutoring_filed", _("辅导备案")
    APPLICATION_ACCEPTED = "application_accepted", _("受理申报")
    LISTED = "listed", _("上市（挂牌）")


class ListingMilestone(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="listing_milestones")
    board = models.CharField(_("板块"), max_length=20, choices=ListingBoard.choices)
    stage = models.CharField(_("节点"), max_length=30, choices=ListingStage.choices)
    reached_on = models.DateField(_("日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("上市挂牌节点")
        verbose_name_plural = _("上市挂牌节点")
        constraints = [models.UniqueConstraint(fields=["enterprise", "board", "stage"], name="listing_once")]


class RefinancingVenue(models.TextChoices):
    """Where the enterprise raised the money; rules name venues by these keys (params.venues)."""
    ZYEQ = "zyeq", _("中原股权交易中心")
    NEEQ = "neeq", _("新三板")
    BSE = "bse", _("北京证券交易所")
    SSE = "sse", _("上海证券交易所")
    SZSE = "szse", _("深圳证券交易所")
    OTHER = "other", _("其他")


class Refinancing(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="refinancings")
    raised_on = models.DateField(_("融资日期"))
    amount = models.DecimalField(_("融资额"), help_text=_("以元存储，页面以万元显示"), **MONEY)
    venue = models.CharField(_("挂牌市场"), max_length=20, choices=RefinancingVenue.choices,
                             default=RefinancingVenue.ZYEQ)
    local_investment_share = models.DecimalField(_("投资于本市比例"), max_digits=5, decimal_places=4, null=True,
                                                 blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("再融资")
        verbose_name_plural = _("再融资")
        ordering = ["enterprise", "raised_on"]


# API tokens live in their own module; imported here so Django registers the model.
from .token_models import ApiToken, TokenScope  # noqa: E402,F401
# Invitations of enterprise accounts, likewise.
from .invitation_models import Invitation  # noqa: E402,F401
# Exports of API lists run as jobs, likewise.
from .export_models import ExportFormat, ListExport  # noqa: E402,F401
