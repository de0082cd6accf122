"""Row-level-security SQL of the migrations (frozen, version 1; see __init__.py: never edit).

Used by accounts 0003, agents 0003, telephony 0003, analytics 0004,
automation 0004 and security_app 0004. The role and setting names are
written out here, not imported from the tenancy runtime, so that a later
edit there cannot change what these migrations meant.
"""

APPLICATION_ROLE = "application_role"
ADMIN_ROLE = "admin_role"
TENANT_SETTING = "app.current_tenant_id"
ORGANIZATION_SETTING = "app.current_organization_id"

# --------------------------------------------------------------------------

_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
_ORGANIZATION = f"NULLIF(current_setting('{ORGANIZATION_SETTING}', true), '')::uuid"

ROLES_SQL = f"""
DO $$
DECLARE
    r text;
BEGIN
    -- Roles are cluster-wide: another database (or a parallel test run) may have made them.
    FOREACH r IN ARRAY ARRAY['{APPLICATION_ROLE}', '{ADMIN_ROLE}'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;
"""

# Validation before the role switch must see the row whatever the caller's
# own RLS standing: SECURITY DEFINER functions owned by the tables' owner.
STATUS_FUNCTIONS_SQL = """
CREATE FUNCTION public.aybiza_tenant_status(p_tenant uuid)
RETURNS TABLE (tenant_status text, organization_id uuid, organization_status text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT t.status::text, t.organization_id, o.status::text
    FROM agent_manager.tenants t JOIN agent_manager.organizations o ON o.id = t.organization_id
    WHERE t.id = p_tenant
$fn$;
CREATE FUNCTION public.aybiza_organization_status(p_organization uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT o.status::text FROM agent_manager.organizations o WHERE o.id = p_organization
$fn$;
REVOKE ALL ON FUNCTION public.aybiza_tenant_status(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.aybiza_organization_status(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.aybiza_tenant_status(uuid) TO application_role, admin_role;
GRANT EXECUTE ON FUNCTION public.aybiza_organization_status(uuid) TO application_role, admin_role;
"""

STATUS_FUNCTIONS_REVERSE_SQL = """
DROP FUNCTION IF EXISTS public.aybiza_organization_status(uuid);
DROP FUNCTION IF EXISTS public.aybiza_tenant_status(uuid);
"""


def grants_sql(schema: str) -> tuple[str, str]:
    """Both roles may use every table of `schema` (RLS then narrows the seven tenant tables)."""
    roles = f"{APPLICATION_ROLE}, {ADMIN_ROLE}"
    forward = f"""
GRANT USAGE ON SCHEMA {schema} TO {roles};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {roles};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {roles};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {roles};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {roles};
"""
    reverse = f"""
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE USAGE, SELECT ON SEQUENCES FROM {roles};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {roles};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {roles};
REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {roles};
REVOKE USAGE ON SCHEMA {schema} FROM {roles};
"""
    return forward, reverse


def rls_sql(relation: str, *, tenant_column: str = "tenant_id", nullable_tenant: bool = False,
            system_rows_readable: bool = False) -> tuple[str, str]:
    """ENABLE + FORCE row-level security on `relation` with fail-closed tenant and organization policies.

    - tenant_isolation_<table> (application_role): the row's tenant is the current tenant
      and, on write, its organization is the current tenant's organization;
    - org_isolation_<table> (admin_role): the row's organization is the current one and,
      on write, its tenant (if any) belongs to that organization;
    - system_read_<table> (both roles, SELECT only; tools): rows of no tenant and no
      organization (the platform's system tools).
    """
    table = relation.split(".")[-1]
    is_tenants = tenant_column == "id"
    tenant_match = f"{tenant_column} = {_TENANT}"
    tenant_check = f"{tenant_match} AND organization_id = {_ORGANIZATION}"
    org_match = f"organization_id = {_ORGANIZATION}"
    if is_tenants:
        org_check = org_match
    else:
        own_tenants = f"SELECT t.id FROM agent_manager.tenants t WHERE t.organization_id = {_ORGANIZATION}"
        tenant_in_org = f"{tenant_column} IN ({own_tenants})"
        if nullable_tenant:
            tenant_in_org = f"({tenant_column} IS NULL OR {tenant_in_org})"
        org_check = f"{org_match} AND {tenant_in_org}"
    forward = f"""
ALTER TABLE {relation} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {relation} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_{table} ON {relation} AS PERMISSIVE FOR ALL TO {APPLICATION_ROLE}
    USING ({tenant_match}) WITH CHECK ({tenant_check});
CREATE POLICY org_isolation_{table} ON {relation} AS PERMISSIVE FOR ALL TO {ADMIN_ROLE}
    USING ({org_match}) WITH CHECK ({org_check});
"""
    reverse = f"""
DROP POLICY IF EXISTS org_isolation_{table} ON {relation};
DROP POLICY IF EXISTS tenant_isolation_{table} ON {relation};
ALTER TABLE {relation} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {relation} DISABLE ROW LEVEL SECURITY;
"""
    if system_rows_readable:
        forward += f"""CREATE POLICY system_read_{table} ON {relation} AS PERMISSIVE FOR SELECT TO {APPLICATION_ROLE}, {ADMIN_ROLE}
    USING (tenant_id IS NULL AND organization_id IS NULL);
"""
        reverse = f"DROP POLICY IF EXISTS system_read_{table} ON {relation};\n" + reverse
    return forward, reverse
