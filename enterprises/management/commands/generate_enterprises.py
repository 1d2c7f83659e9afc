"""Synthetic enterprises for benchmarks (enterprises/synthetic.py does the work)."""
import re
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from enterprises import synthetic
from enterprises.models import Department, Enterprise, Jurisdiction, JurisdictionLevel
from monitoring.services import previous_period


class Command(BaseCommand):
    help = ("生成确定性的合成企业数据，用于性能基准（scripts/bench）：在 --jurisdiction 指定区域下（有下级乡镇则分布到各乡镇）"
            "生成 --size 户企业，含有效的统一社会信用代码（第9-10位为“XB”，便于识别和删除）、截至上一个已结束月份的"
            " --months 个月月度数据（季节性、增长或下降，约3%的月份未报送）、入库记录和入规/退规事件。"
            "同一 --seed 生成的数据完全相同。以 PostgreSQL COPY 批量写入，不写历史记录（simple-history）；"
            "--replace 先删除该区域下此前生成的企业及其全部关联记录。")

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", required=True, help="区域编号（key），如 140322（盂县）")
        parser.add_argument("--size", type=int, required=True, help="企业户数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）")
        parser.add_argument("--months", type=int, default=36, help="月度数据的月数（默认36）")
        parser.add_argument("--end", help="最后一个有数据的月份 YYYY-MM（默认上一个已结束的月份）")
        parser.add_argument("--replace", action="store_true", help="先删除该区域下此前生成的企业")

    def handle(self, *args, jurisdiction, size, seed, months, end, replace, **options):
        root = Jurisdiction.objects.filter(key=jurisdiction).first()
        if root is None:
            raise CommandError(f"区域“{jurisdiction}”不存在，请先运行 load_jurisdictions")
        if not 1 <= months <= 600:
            raise CommandError("--months 应在1至600之间")
        last = _month(end) if end else previous_period(timezone.localdate())
        spec = synthetic.Spec(
            seed=seed, first=synthetic.months_back(last, months), last=last, places=_places(root),
            departments=dict(Department.objects.filter(jurisdiction=root, is_sme_center=False)
                             .values_list("key", "id")),
            reported_until=datetime.combine(timezone.localdate(), time.min, tzinfo=synthetic.SHANGHAI))
        if replace:
            removed = synthetic.purge(root)
            self.stdout.write(f"已删除此前生成的企业 {removed} 户")
        prefixes = {f"91{p.division}{synthetic.GENERATED_BLOCK}" for p in spec.places}
        clash = Q()
        for prefix in prefixes:
            clash |= Q(credit_code__startswith=prefix)
        if Enterprise.objects.filter(clash).exists():
            raise CommandError("已有同一行政区划代码下生成的企业；加 --replace 删除此前生成的数据后重试")

        def progress(done, total):
            if options["verbosity"] > 1 or done == total:
                self.stdout.write(f"  {done}/{total}")

        try:
            counts = synthetic.generate(spec, size, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{root.name}：生成企业 {counts['enterprises']} 户（规上 {counts['in_scale']} 户），"
            f"月度数据 {counts['figures']} 条（{spec.first[0]}-{spec.first[1]:02d} 至 {last[0]}-{last[1]:02d}），"
            f"入库记录 {counts['pool_memberships']} 条，规模状态事件 {counts['scale_events']} 条，"
            f"更名企业 {counts['renamed']} 户，资质认定 {counts['recognitions']} 条，上市（挂牌）节点 "
            f"{counts['listing_milestones']} 条，预置数据异常（有电量无产值、营收突增）{counts['integrity_cases']} 处")


def _month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError("--end 应为 YYYY-MM")
    return int(match[1]), int(match[2])


def _places(root: Jurisdiction) -> tuple[synthetic.Place, ...]:
    """A province's or city's enterprises are registered in the leaves of its subtree (its counties
    and zones, or their towns), so a province run meets every county's own rules; a county's in its
    towns and zones when it has towns, otherwise in itself and its children."""
    chain = {j.pk: j for j in Jurisdiction.objects.filter(key__in=[k for k in root.path.split("/") if k])}
    division = next((chain[pk].code for pk in sorted(chain, key=lambda pk: -chain[pk].depth) if chain[pk].code),
                    "000000")
    if root.level in (JurisdictionLevel.PROVINCE, JurisdictionLevel.CITY):
        subtree = list(Jurisdiction.objects.filter(path__startswith=root.path).order_by("path"))
        parents = {j.parent_id for j in subtree}
        nodes = [j for j in subtree if j.pk not in parents] or [root]
    else:
        children = list(root.children.order_by("path"))
        nodes = children if any(c.level == JurisdictionLevel.TOWN for c in children) else [root, *children]
    # A zone has no code of its own: its credit codes carry its nearest coded ancestor's (one query).
    keys = {root.key} | {k for j in nodes if not j.code for k in j.path.split("/") if k}
    coded = dict(Jurisdiction.objects.filter(key__in=keys, code__isnull=False).values_list("key", "code"))

    def division_of(place):
        ancestors = [k for k in place.path.split("/") if k]
        return place.code or next((coded[k] for k in reversed(ancestors) if coded.get(k)), division)

    return tuple(synthetic.Place(id=j.pk, key=j.key, name=j.name, division=division_of(j)) for j in nodes)
