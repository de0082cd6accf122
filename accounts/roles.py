"""What a role's `permissions` JSON grants in the back-office.

    {"backoffice": {"staff": true, "superuser": false,
                    "permissions": ["telephony.approve_portingrequest", ...]}}

Only users of the platform organization can hold back-office access; a
tenant organization's role with these keys grants nothing (User.is_staff).
"""


def backoffice(role) -> dict:
    value = (role.permissions or {}).get("backoffice") if role is not None else None
    return value if isinstance(value, dict) else {}


def role_grants(role, flag: str) -> bool:
    return backoffice(role).get(flag) is True


def role_permissions(role) -> set[str]:
    """Django permission names ("app_label.codename") the role grants."""
    names = backoffice(role).get("permissions") or []
    return {name for name in names if isinstance(name, str) and "." in name}
