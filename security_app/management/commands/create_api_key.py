"""Mint an API key for a tenant (or an organization) from the command line; the key is printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organization, Tenant, User
from aybiza.api.routers import all_scopes
from aybiza.api.scopes import ACTIONS, WILDCARD
from security_app.services.api_keys import api_key_create


class Command(BaseCommand):
    help = (
        "Create an API key. With --tenant the key acts as that tenant; without it, as an admin of the "
        "organization across its tenants. Scopes are resource:action (e.g. calls:read, agents:write, *:read). "
        "The key is printed once and cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="organization slug")
        parser.add_argument("--tenant", help="tenant slug (omit for an organization-wide key)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--created-by", required=True, help="email of the user recorded as creator")
        parser.add_argument("--scope", action="append", default=[], help="resource:action; repeat for several")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['organization']!r}.")
        tenant = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"], organization=organization).first()
            if tenant is None:
                raise CommandError(f"No tenant {options['tenant']!r} in organization {organization.slug!r}.")
        actor = User.objects.filter(email=options["created_by"].lower()).first()
        if actor is None:
            raise CommandError(f"No user with email {options['created_by']!r}.")
        permissions = self._permissions(options["scope"])
        try:
            with transaction.atomic():
                row, key = api_key_create(
                    organization=organization, tenant=tenant, actor=actor, name=options["name"], permissions=permissions
                )
        except ValidationError as exc:
            raise CommandError(f"Refused: {exc.message_dict if hasattr(exc, 'message_dict') else exc.messages}")
        self.stdout.write(key)
        self.stderr.write(f"Created API key {row.name!r} ({row.pk}) for {tenant or organization}; scopes {permissions}.")

    def _permissions(self, scopes: list[str]) -> dict:
        known = set(all_scopes())
        permissions: dict[str, list[str]] = {}
        for scope in scopes or [f"{WILDCARD}:read"]:
            resource, _, action = scope.partition(":")
            if (resource == WILDCARD and action not in ACTIONS) or (resource != WILDCARD and scope not in known):
                raise CommandError(f"Unknown scope {scope!r}; use resource:read or resource:write (or *:read), "
                                   "or routing:resolve.")
            permissions.setdefault(resource, []).append(action)
        return permissions
