"""Found by the Flanders-scale benchmark: indexes, and set-based reads across owners (ADR 0015)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# -- bench_b: HR and rentals ----------------------------------------------------------------
# The availability search across every visible owner in one statement (ADR 0015): for the given
# resources the caller may see (read under its own row-level security), the peak number of units
# that active bookings occupy in [period_start, period_end + the resource's buffer). Each owner's
# bookings are read in that owner's context, exactly as the application does per owner, and only
# resource ids and numbers leave it; the caller's context is restored before returning.
RENTAL_BUSY_PEAKS = """
CREATE OR REPLACE FUNCTION rental_busy_peaks(
    resource_ids integer[], period_start timestamptz, period_end timestamptz, statuses text[]
) RETURNS TABLE (resource_id integer, peak integer)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    viewer text := COALESCE(current_setting('app.tenant_id', true), '');
    visible integer[];
    owners integer[];
    owner_tenant integer;
BEGIN
    IF viewer = '' THEN
        RETURN;
    END IF;
    -- Both arrays are filled completely before the context changes (no cursor reads later).
    SELECT array_agg(r.id), array_agg(DISTINCT r.tenant_id) INTO visible, owners
    FROM rental_resources AS r WHERE r.id = ANY(resource_ids);
    IF visible IS NULL THEN
        RETURN;
    END IF;
    FOREACH owner_tenant IN ARRAY owners LOOP
        PERFORM set_config('app.tenant_id', owner_tenant::text, true);
        RETURN QUERY
            WITH b AS (
                SELECT k.resource_id AS rid, k.starts_at, k.blocked_until, k.quantity
                FROM rental_resources AS r JOIN rental_bookings AS k
                  ON k.resource_id = r.id AND k.blocked_until > period_start
                 AND k.starts_at < period_end + make_interval(mins => r.buffer_minutes)
                WHERE r.id = ANY(visible) AND r.tenant_id = owner_tenant
                  AND k.tenant_id = owner_tenant AND k.status = ANY(statuses)
            )
            SELECT b1.rid, max(s.total)::integer
            FROM b AS b1 CROSS JOIN LATERAL (
                SELECT sum(b2.quantity) AS total FROM b AS b2
                WHERE b2.rid = b1.rid
                  AND b2.starts_at <= greatest(b1.starts_at, period_start)
                  AND b2.blocked_until > greatest(b1.starts_at, period_start)
            ) AS s
            GROUP BY b1.rid;
    END LOOP;
    PERFORM set_config('app.tenant_id', viewer, true);
END
$fn$
"""
# The catalogue photos of many visible resources of many owners in one statement (the main photo
# only, or all in order), read the same way: visibility as the caller, rows in the owner's context.
RENTAL_RESOURCE_PHOTO_ROWS = """
CREATE OR REPLACE FUNCTION rental_resource_photo_rows(resource_ids integer[], main_only boolean)
RETURNS SETOF rental_resource_photos
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    viewer text := COALESCE(current_setting('app.tenant_id', true), '');
    visible integer[];
    owners integer[];
    owner_tenant integer;
BEGIN
    IF viewer = '' THEN
        RETURN;
    END IF;
    SELECT array_agg(r.id), array_agg(DISTINCT r.tenant_id) INTO visible, owners
    FROM rental_resources AS r WHERE r.id = ANY(resource_ids);
    IF visible IS NULL THEN
        RETURN;
    END IF;
    FOREACH owner_tenant IN ARRAY owners LOOP
        PERFORM set_config('app.tenant_id', owner_tenant::text, true);
        RETURN QUERY
            SELECT p.* FROM rental_resource_photos AS p
            WHERE p.tenant_id = owner_tenant AND p.resource_id = ANY(visible)
              AND (NOT main_only OR NOT EXISTS (
                  SELECT 1 FROM rental_resource_photos AS q
                  WHERE q.tenant_id = owner_tenant AND q.resource_id = p.resource_id
                    AND (q.position, q.id) < (p.position, p.id)))
            ORDER BY p.resource_id, p.position, p.id;
    END LOOP;
    PERFORM set_config('app.tenant_id', viewer, true);
END
$fn$
"""
# The public job page of a region: every member's published external vacancies in one statement,
# each member's read in its own context (as the page did per member). Only what the members'
# public pages show anyway comes back; the caller's context is restored before returning.
HR_PUBLIC_VACANCY_ROWS = """
CREATE OR REPLACE FUNCTION hr_public_vacancy_rows(member_ids integer[], on_day date)
RETURNS SETOF vacancies
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    caller text := COALESCE(current_setting('app.tenant_id', true), '');
    member integer;
BEGIN
    FOREACH member IN ARRAY COALESCE(member_ids, ARRAY[]::integer[]) LOOP
        PERFORM set_config('app.tenant_id', member::text, true);
        RETURN QUERY
            SELECT v.* FROM vacancies AS v
            WHERE v.tenant_id = member AND v.status = 'gepubliceerd'
              AND v.kind IN ('extern', 'gedeeld') AND v.deadline_on >= on_day;
    END LOOP;
    PERFORM set_config('app.tenant_id', caller, true);
END
$fn$
"""
# -- end bench_b ----------------------------------------------------------------------------


def upgrade():
    # -- bench_b: HR and rentals (begin) --
    # Bookings of a resource that end after a moment: the availability search and free/busy.
    op.create_index("ix_rental_bookings_resource_blocked", "rental_bookings", ["resource_id", "blocked_until"])
    # The owner's list of requests, newest first.
    op.create_index("ix_rental_bookings_tenant_starts", "rental_bookings", ["tenant_id", "starts_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RENTAL_BUSY_PEAKS)
        op.execute(RENTAL_RESOURCE_PHOTO_ROWS)
        op.execute(HR_PUBLIC_VACANCY_ROWS)
    # -- bench_b: HR and rentals (end) --
    # -- bench_a: agreements, procurement, policy_tables (begin) --
    # The calendar and the personal iCal feed: the meetings of the viewer's regions in a period
    # (with tenants.sharing.readable_prefilter a range scan per region, not the whole table).
    op.create_index("ix_policy_meetings_region_starts", "policy_meetings", ["region_id", "starts_at"])
    # -- bench_a: agreements, procurement, policy_tables (end) --


def downgrade():
    # -- bench_a: agreements, procurement, policy_tables (begin) --
    op.drop_index("ix_policy_meetings_region_starts", table_name="policy_meetings")
    # -- bench_a: agreements, procurement, policy_tables (end) --
    # -- bench_b: HR and rentals (begin) --
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hr_public_vacancy_rows(integer[], date)")
        op.execute("DROP FUNCTION IF EXISTS rental_resource_photo_rows(integer[], boolean)")
        op.execute("DROP FUNCTION IF EXISTS rental_busy_peaks(integer[], timestamptz, timestamptz, text[])")
    op.drop_index("ix_rental_bookings_tenant_starts", table_name="rental_bookings")
    op.drop_index("ix_rental_bookings_resource_blocked", table_name="rental_bookings")
    # -- bench_b: HR and rentals (end) --
