from django.db import migrations

# Porting a number the platform already serves for another tenant (or that
# another tenant is already porting) must be refused, also under a tenant's
# row-level security, without telling who has it: the function answers yes/no.
SQL = """
CREATE FUNCTION public.aybiza_number_served_elsewhere(p_number text, p_tenant uuid, p_exclude uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM phone_manager.phone_numbers n
                   WHERE n.number = p_number AND n.tenant_id IS DISTINCT FROM p_tenant)
        OR EXISTS (SELECT 1 FROM phone_manager.porting_requests p
                   WHERE p.phone_number = p_number AND p.tenant_id IS DISTINCT FROM p_tenant
                     AND p.id IS DISTINCT FROM p_exclude
                     AND p.status IN ('pending', 'submitted', 'in_progress', 'approved'))
$fn$;
REVOKE ALL ON FUNCTION public.aybiza_number_served_elsewhere(text, uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.aybiza_number_served_elsewhere(text, uuid, uuid) TO application_role, admin_role;
"""

REVERSE_SQL = "DROP FUNCTION IF EXISTS public.aybiza_number_served_elsewhere(text, uuid, uuid);"


class Migration(migrations.Migration):
    dependencies = [("telephony", "0007_health_history")]

    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE_SQL)]
