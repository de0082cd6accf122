from aybiza.admin_registry import register_app_models

register_app_models("accounts")
