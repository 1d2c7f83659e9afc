from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enterprises.jurisdictions import DATA_FILE, JurisdictionFileError, jurisdictions_sync, load_jurisdiction_file


class Command(BaseCommand):
    help = "载入行政区域树与责任单位（默认 enterprises/data/jurisdictions.yaml），按 key 更新，可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DATA_FILE, help="区域文件路径（YAML）")

    def handle(self, *args, file, **options):
        try:
            counts = jurisdictions_sync(load_jurisdiction_file(file))
        except JurisdictionFileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"行政区域 {counts['jurisdictions']} 个，责任单位 {counts['departments']} 个，"
            f"责任单位曾用名 {counts['department_names']} 个；"
            f"本次新增 {counts['created']} 项，更新 {counts['updated']} 项")
