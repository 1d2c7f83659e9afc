"""The one place that decides which enterprises a user may see and change.

Every view, export, API endpoint and admin page reaches enterprises through
these helpers. One condition per line, so coverage shows each branch is tested.

Leaders, API clients and finance users (财政拨付人员) see their jurisdiction's subtree
and change nothing in the registry; finance records payments in the entitlement ledger,
which incentives/domain/signoff.py rules on.
"""
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Enterprise, Jurisdiction, ListExport, Role, User


def enterprises_visible_to(user) -> QuerySet:
    enterprises = Enterprise.objects.all()
    if not user.is_authenticated or not user.is_active:
        return enterprises.none()
    if user.is_superuser:
        return enterprises
    if user.role == Role.ENTERPRISE:
        return enterprises.filter(pk=user.enterprise_id)
    if user.role == Role.DEPARTMENT_STAFF:
        return enterprises.filter(department_id=user.department_id)
    if user.jurisdiction_id is None:
        return enterprises.none()
    return enterprises.filter(jurisdiction__path__startswith=user.jurisdiction.path)


def jurisdictions_visible_to(user) -> QuerySet:
    jurisdictions = Jurisdiction.objects.all()
    if not user.is_authenticated or not user.is_active:
        return jurisdictions.none()
    if user.is_superuser:
        return jurisdictions
    if user.role == Role.ENTERPRISE:
        return jurisdictions.filter(pk=user.enterprise.jurisdiction_id) if user.enterprise_id else jurisdictions.none()
    if user.role == Role.DEPARTMENT_STAFF:
        return jurisdictions.filter(path__startswith=user.department.jurisdiction.path)
    if user.jurisdiction_id is None:
        return jurisdictions.none()
    return jurisdictions.filter(path__startswith=user.jurisdiction.path)


def can_write_registry(user) -> tuple[bool, str]:
    """May the user change enterprises at all (before looking at which one)?"""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role in (Role.CENTER_STAFF, Role.DEPARTMENT_STAFF):
        return True, ""
    return False, _("当前角色只读，不能修改企业信息")


def can_change_enterprise(user, enterprise: Enterprise) -> tuple[bool, str]:
    allowed, reason = can_write_registry(user)
    if not allowed:
        return allowed, reason
    if not enterprises_visible_to(user).filter(pk=enterprise.pk).exists():
        return False, _("该企业不在您的管辖范围内")
    return True, ""


def can_submit_figures(user, enterprise: Enterprise) -> tuple[bool, str]:
    """Staff within scope, an enterprise user for its own enterprise only, and an API client
    (an integrator such as a statistics tool) within its subtree. An API client reaches this
    only on a write-scoped token (enterprises.api.permissions.TokenScopeAllowsMethod)."""
    if user.is_authenticated and user.role == Role.ENTERPRISE:
        if user.enterprise_id == enterprise.pk:
            return True, ""
        return False, _("企业用户只能填报本企业数据")
    if user.is_authenticated and user.is_active and user.role == Role.API_CLIENT:
        if enterprises_visible_to(user).filter(pk=enterprise.pk).exists():
            return True, ""
        return False, _("该企业不在您的管辖范围内")
    return can_change_enterprise(user, enterprise)


def may_submit_figures(user) -> tuple[bool, str]:
    """The role part of can_submit_figures (before looking at which enterprise): a bulk
    submission asks it once, then scopes its rows with enterprises_visible_to."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser or user.role in (Role.ENTERPRISE, Role.API_CLIENT):
        return True, ""
    return can_write_registry(user)


def can_place_in_jurisdiction(user, jurisdiction: Jurisdiction) -> tuple[bool, str]:
    """A new or moved enterprise must land inside the user's own subtree."""
    allowed, reason = can_write_registry(user)
    if not allowed:
        return allowed, reason
    if not jurisdictions_visible_to(user).filter(pk=jurisdiction.pk).exists():
        return False, _("所属区域“%(name)s”不在您的管辖范围内") % {"name": jurisdiction.name}
    return True, ""


def can_manage_api_tokens(user) -> tuple[bool, str]:
    """SME-center staff (and superusers) issue and revoke the tokens of API clients."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role == Role.CENTER_STAFF:
        return True, ""
    return False, _("只有中小企业服务中心工作人员可以管理接口令牌")


def api_clients_visible_to(user) -> QuerySet:
    """API-client accounts whose jurisdiction lies in the user's subtree (token managers only)."""
    clients = User.objects.filter(role=Role.API_CLIENT)
    if not can_manage_api_tokens(user)[0]:
        return clients.none()
    if user.is_superuser:
        return clients
    return clients.filter(jurisdiction__in=jurisdictions_visible_to(user))


def list_exports_visible_to(user) -> QuerySet:
    """A list export is its owner's alone: what it holds was scoped to the owner when it was made."""
    if not user.is_authenticated or not user.is_active:
        return ListExport.objects.none()
    return ListExport.objects.filter(owner=user)


def can_assign_department(user, department) -> tuple[bool, str]:
    """Department staff see only their own unit's enterprises: one they register or
    edit must stay under that unit, or it would leave their sight the moment it is saved."""
    if user.is_superuser or user.role != Role.DEPARTMENT_STAFF:
        return True, ""
    if department is not None and department.pk == user.department_id:
        return True, ""
    return False, _("责任单位须为“%(name)s”，否则该企业将不在您的管辖范围内") % {"name": user.department.name}


def can_correct_documents_of(user, jurisdiction: Jurisdiction) -> tuple[bool, str]:
    """May the user correct a policy document issued for `jurisdiction` (e.g. its effective date)?
    SME-center staff of that jurisdiction or of one above it, and superusers. A center clerk
    below or beside it is told nothing more than that it is out of reach (views answer 404)."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role != Role.CENTER_STAFF:
        return False, _("只有中小企业服务中心工作人员可以更正政策文件")
    if user.jurisdiction_id is None:
        return False, _("该文件不在您的管辖范围内")
    if not jurisdiction.path.startswith(user.jurisdiction.path):
        return False, _("该文件不在您的管辖范围内")
    return True, ""


def may_correct_documents(user) -> bool:
    """The role part of can_correct_documents_of: the others get a 403, not a 404."""
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.CENTER_STAFF)


def can_invite_enterprise_users(user, enterprise: Enterprise) -> tuple[bool, str]:
    """SME-center staff of the enterprise's subtree (and superusers) invite its accounts."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if not user.is_superuser and user.role != Role.CENTER_STAFF:
        return False, _("只有中小企业服务中心工作人员可以邀请企业用户")
    if not enterprises_visible_to(user).filter(pk=enterprise.pk).exists():
        return False, _("该企业不在您的管辖范围内")
    return True, ""


def portal_enterprise(user) -> Enterprise | None:
    """The one enterprise an enterprise account acts for in its portal; None for anyone else
    (staff, superusers and API clients have no portal)."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return None
    if user.role != Role.ENTERPRISE or user.enterprise_id is None:
        return None
    return enterprises_visible_to(user).select_related("jurisdiction", "department").first()


def can_read_job_runs(user) -> tuple[bool, str]:
    """Check runs and 免申即享 batches (of the jurisdictions in the user's subtree) are read by the
    government side and its integrators; an enterprise account has no business with them."""
    if not user.is_authenticated or not user.is_active:
        return False, _("请先登录")
    if user.is_superuser:
        return True, ""
    if user.role == Role.ENTERPRISE:
        return False, _("企业用户不能查看批量任务")
    return True, ""
