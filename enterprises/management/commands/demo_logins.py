import unicodedata

from django.core.management.base import BaseCommand

from enterprises.demo import demo_logins


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、角色、范围、密码），并为接口账号换发演示令牌；先运行 load_demo_data"

    def handle(self, *args, **options):
        rows = demo_logins()
        if not rows:
            self.stdout.write("尚无演示账号，请先运行 manage.py load_demo_data")
            return
        header = ("用户名", "角色", "范围", "密码")
        widths = [max(_width(row[i]) for row in [header, *rows]) + 2 for i in range(3)]
        self.stdout.write("    演示账号：")
        for row in [header, *rows]:
            self.stdout.write("      " + "".join(_pad(cell, w) for cell, w in zip(row, widths)) + row[3])
        self.stdout.write("    接口：请求头 Authorization: Token <token>，文档见 /api/docs/（接口账号只用令牌，不能登录网页；"
                          "每次运行本命令都会换发新的演示令牌）")
