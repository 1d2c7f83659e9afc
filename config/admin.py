"""The back office is for superusers only.

Staff work in the portal's own pages, which are scoped by enterprises/access.py
and write through the services. The admin's generic views (history and revert,
add and change forms, every model's choices) would each need the same scoping
and the same services; rather than keep two doors in step, only a superuser,
who sees everything anyway, may open this one.
"""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("小升规工作平台 · 后台管理")
    site_title = _("小升规工作平台")
    index_title = _("后台管理（仅限超级管理员）")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class PortalAdminConfig(AdminConfig):
    default_site = "config.admin.PortalAdminSite"
