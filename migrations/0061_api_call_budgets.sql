-- A daily API-call budget an administrator set for a tenant (`sellpo tenants budget`), in place of its plan's:
-- a contract above the plans on sale, or a load test that must not run out.
CREATE TABLE api_call_budgets (
  tenant_id     text        PRIMARY KEY REFERENCES tenants (id),
  calls_per_day integer     NOT NULL CHECK (calls_per_day >= 0),
  set_at        timestamptz NOT NULL
);
