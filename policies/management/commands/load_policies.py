from django.core.management.base import BaseCommand, CommandError

from policies.catalog import CatalogError, load_catalog
from policies.services import catalog_sync


class Command(BaseCommand):
    help = "载入政策文件、条款与奖补规则（policies/data/documents/*.yaml）"

    def handle(self, *args, **options):
        try:
            report = catalog_sync(load_catalog())
        except CatalogError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"政策文件 {report.documents} 份，条款 {report.clauses} 条，规则 {report.rules} 条；"
                          f"本次新增或更新 {report.changed} 项")
