from django.core.management.base import BaseCommand

from enterprises.demo import demo_logins


class Command(BaseCommand):
    help = "列出演示账号（用户名、角色、范围、密码）"

    def handle(self, *args, **options):
        self.stdout.write("    演示账号（用户名 / 角色 / 范围 / 密码）：")
        for username, role, scope, password in demo_logins():
            self.stdout.write(f"      {username:<16} {role:<14} {scope:<18} {password}")
