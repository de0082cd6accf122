"""Authentication by email; Django permissions from the user's role.

The spec's users table has no is_staff/is_superuser columns nor permission
tables; the role's `permissions` JSON carries them (accounts/roles.py).
"""

from django.contrib.auth.backends import ModelBackend

from .roles import role_permissions


class RoleBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not getattr(user_obj, "is_staff", False):
            return set()
        return role_permissions(user_obj.role)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return {"*"}
        return self.get_group_permissions(user_obj)

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or obj is not None:
            return False
        if user_obj.is_superuser:
            return True
        return perm in self.get_group_permissions(user_obj)

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active:
            return False
        if user_obj.is_superuser:
            return True
        return any(perm.startswith(f"{app_label}.") for perm in self.get_group_permissions(user_obj))
