"""Multi-tenancy: tenants, regions, tenant context, ORM scoping and sharing."""
