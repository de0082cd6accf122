from django.db import migrations

# Whether a number is already in use must be answered across all tenants,
# also when the caller runs under a tenant's row-level security (which hides
# other tenants' phone_numbers). The function tells only which of the given
# numbers exist, never whose they are.
SQL = """
CREATE FUNCTION public.aybiza_phone_numbers_in_use(p_numbers text[]) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT n.number::text FROM phone_manager.phone_numbers n WHERE n.number = ANY(p_numbers)
$fn$;
REVOKE ALL ON FUNCTION public.aybiza_phone_numbers_in_use(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.aybiza_phone_numbers_in_use(text[]) TO application_role, admin_role;
"""

REVERSE_SQL = "DROP FUNCTION IF EXISTS public.aybiza_phone_numbers_in_use(text[]);"


class Migration(migrations.Migration):
    dependencies = [("telephony", "0004_service_permissions")]

    operations = [migrations.RunSQL(SQL, reverse_sql=REVERSE_SQL)]
