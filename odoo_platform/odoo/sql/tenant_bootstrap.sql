-- Idempotent bootstrap of one tenant's login role and database on a shared PostgreSQL server.
--
-- Run as the server's admin user, which may be a NON-superuser with CREATEROLE and CREATEDB (on RDS:
-- a member of rds_superuser), connected to the `postgres` database:
--
--   psql -X -v ON_ERROR_STOP=1 -v role=acme_law -v db=acme_law -v conn_limit=20 \
--        -f tenant_bootstrap.sql
--
-- Variables (each may instead come from the environment variable in brackets, so that the
-- password never has to appear on a command line):
--   role        tenant login role                        [BOOTSTRAP_ROLE]
--   db          tenant database (<= 49 bytes: the script   [BOOTSTRAP_DB]
--               also creates <db>_restore_check and <db>_dr_drill, the scratch databases of
--               the restore check and of the DR drill)
--   conn_limit  the role's CONNECTION LIMIT, >= 1        [BOOTSTRAP_CONN_LIMIT]
--   password    plaintext, or better a SCRAM-SHA-256     [BOOTSTRAP_PASSWORD]
--               verifier ("SCRAM-SHA-256$4096:..."), which the server stores as given: the
--               plaintext then never reaches the server or its logs, and a rerun with the same
--               verifier leaves pg_authid byte-for-byte unchanged.
--
-- Running it again with the same values changes nothing; with a new password or limit it
-- updates them. It refuses (and changes nothing) when the role is privileged or the database
-- belongs to someone else. Needs psql >= 15 (\getenv).
--
-- Every statement runs with search_path = pg_catalog (set below, and by the Job's PGOPTIONS) and
-- calls the privilege functions schema-qualified: where PUBLIC may create in postgres.public
-- (the PostgreSQL 14 default, kept by upgraded servers) a tenant could otherwise plant
-- look-alike functions there that this admin session would prefer and run with its rights.

\set ON_ERROR_STOP on
\set QUIET on
SET search_path = pg_catalog;

\if :{?role}
\else
  \getenv role BOOTSTRAP_ROLE
\endif
\if :{?db}
\else
  \getenv db BOOTSTRAP_DB
\endif
\if :{?conn_limit}
\else
  \getenv conn_limit BOOTSTRAP_CONN_LIMIT
\endif
\if :{?password}
\else
  \getenv password BOOTSTRAP_PASSWORD
\endif

\if :{?role}
\else
  DO $$ BEGIN RAISE EXCEPTION 'tenant_bootstrap: set -v role=... or BOOTSTRAP_ROLE'; END $$;
\endif
\if :{?db}
\else
  DO $$ BEGIN RAISE EXCEPTION 'tenant_bootstrap: set -v db=... or BOOTSTRAP_DB'; END $$;
\endif
\if :{?conn_limit}
\else
  DO $$ BEGIN RAISE EXCEPTION 'tenant_bootstrap: set -v conn_limit=... or BOOTSTRAP_CONN_LIMIT'; END $$;
\endif
\if :{?password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'tenant_bootstrap: set -v password=... or BOOTSTRAP_PASSWORD'; END $$;
\endif

-- psql does not interpolate inside dollar-quoted DO bodies: pass the values as session settings.
SELECT set_config('bootstrap.role', :'role', false) AS bootstrap_role_set,
       set_config('bootstrap.db', :'db', false) AS bootstrap_db_set,
       set_config('bootstrap.conn_limit', :'conn_limit', false) AS bootstrap_limit_set,
       set_config('bootstrap.password_is_empty', (:'password' = '')::text, false)
         AS bootstrap_password_set \gset

DO $$
DECLARE
  r text := current_setting('bootstrap.role');
  d text := current_setting('bootstrap.db');
  lim text := current_setting('bootstrap.conn_limit');
BEGIN
  IF r = '' OR octet_length(r) > 63 OR r ~ '^pg_' OR r IN ('public', 'none', 'postgres') THEN
    RAISE EXCEPTION 'tenant_bootstrap: invalid role name %', quote_literal(r);
  END IF;
  IF d = '' OR octet_length(d) > 63 OR d IN ('postgres', 'template0', 'template1') THEN
    RAISE EXCEPTION 'tenant_bootstrap: invalid database name %', quote_literal(d);
  END IF;
  IF (CASE WHEN lim ~ '^[0-9]{1,6}$' THEN lim::int < 1 ELSE true END) THEN
    RAISE EXCEPTION 'tenant_bootstrap: conn_limit must be an integer >= 1, got %', quote_literal(lim);
  END IF;
  IF current_setting('bootstrap.password_is_empty')::boolean THEN
    RAISE EXCEPTION 'tenant_bootstrap: empty password';
  END IF;
  -- An existing role must be a plain login role: never silently adopt a privileged one.
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = r
             AND (rolsuper OR rolreplication OR rolbypassrls OR rolcreatedb OR rolcreaterole)) THEN
    RAISE EXCEPTION 'tenant_bootstrap: role % exists with elevated attributes; fix it by hand', r;
  END IF;
  IF octet_length(d || '_restore_check') > 63 THEN
    RAISE EXCEPTION 'tenant_bootstrap: database name % leaves no room for %_restore_check (63 bytes)',
      quote_literal(d), d;
  END IF;
  IF EXISTS (SELECT FROM pg_database WHERE datname IN (d, d || '_restore_check', d || '_dr_drill')
             AND datdba IS DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = r)) THEN
    RAISE EXCEPTION 'tenant_bootstrap: database %, %_restore_check or %_dr_drill exists and is not owned by role %',
      d, d, d, r;
  END IF;
END
$$;

-- 1. The role. NOSUPERUSER/NOREPLICATION/NOBYPASSRLS are stated only at creation: on PG <= 15 a
--    non-superuser may not even mention them in ALTER ROLE. INHERIT is required, not a slip:
--    since PG 15 the public schema belongs to pg_database_owner, whose rights the database owner
--    only gets by inheritance (with NOINHERIT, Odoo could not create its tables).
SELECT format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
              'NOBYPASSRLS INHERIT', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec

-- Same values => same catalog row (a SCRAM verifier is stored verbatim).
SELECT format('ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE INHERIT CONNECTION LIMIT %s '
              'PASSWORD %L', :'role', (:'conn_limit')::int, :'password') \gexec

-- 2. A non-superuser can only create (and later manage) a database owned by a role it belongs to.
--    USAGE (= inherits the role's privileges) also covers PG 16, where CREATEROLE auto-grants the
--    creator a membership without INHERIT/SET.
SELECT format('GRANT %I TO %I', :'role', current_user)
WHERE NOT pg_catalog.pg_has_role(current_user, :'role', 'USAGE') \gexec

-- 3. The database. LC_COLLATE 'C' exists on every server and is what Odoo itself uses when it
--    creates a database from template0 (byte order: fast, stable across glibc upgrades, so no
--    index corruption after an OS/engine upgrade). LC_CTYPE is left to the server default
--    (en_US.UTF-8 on RDS) so that upper()/ILIKE keep working on accented letters.
SELECT format('CREATE DATABASE %I WITH OWNER %I ENCODING %L LC_COLLATE %L TEMPLATE template0',
              :'db', :'role', 'UTF8', 'C')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

-- The scratch databases of the restore-check and DR-drill CronJobs (one each: a long drill may
-- overlap the next check), owned by the tenant role so that they can empty them and restore
-- into them with the tenant's own credentials (no admin in tenant pods).
SELECT format('CREATE DATABASE %I WITH OWNER %I ENCODING %L LC_COLLATE %L TEMPLATE template0',
              scratch, :'role', 'UTF8', 'C')
FROM unnest(ARRAY[:'db' || '_restore_check', :'db' || '_dr_drill']) AS scratch
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = scratch) \gexec

-- Only the owner (and its members, i.e. this admin) may connect or create temp tables.
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', datname)
FROM pg_database WHERE datname IN (:'db', :'db' || '_restore_check', :'db' || '_dr_drill')
ORDER BY datname \gexec

-- Odoo also connects to the `postgres` database (it lists/creates databases through it).
-- PUBLIC normally has CONNECT there; grant explicitly only where it was revoked.
SELECT format('GRANT CONNECT ON DATABASE postgres TO %I', :'role')
WHERE NOT pg_catalog.has_database_privilege(:'role', 'postgres', 'CONNECT') \gexec

DO $$
BEGIN
  IF NOT pg_catalog.has_database_privilege(current_setting('bootstrap.role'), 'postgres', 'CONNECT') THEN
    RAISE EXCEPTION 'tenant_bootstrap: role % cannot connect to database postgres and this '
                    'admin may not grant it', current_setting('bootstrap.role');
  END IF;
END
$$;

-- Nobody but the admin may create objects in postgres.public (PostgreSQL <= 14 let PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- A tenant role is a member of no role: a rerun removes whatever was granted to it (e.g. by an
-- earlier attack), and refuses to go on when it cannot.
SELECT format('REVOKE %s FROM %I', m.roleid::regrole, :'role')
FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member
WHERE r.rolname = :'role' ORDER BY 1 \gexec

DO $$
DECLARE
  r text := current_setting('bootstrap.role');
  granted text;
BEGIN
  IF pg_catalog.has_schema_privilege('public', 'public', 'CREATE') THEN
    RAISE EXCEPTION 'tenant_bootstrap: PUBLIC may still create in postgres.public and this admin '
                    'cannot revoke it; run REVOKE CREATE ON SCHEMA public FROM PUBLIC as its owner';
  END IF;
  SELECT string_agg(m.roleid::regrole::text, ', ') INTO granted
  FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles o ON o.oid = m.member
  WHERE o.rolname = r;
  IF granted IS NOT NULL THEN
    RAISE EXCEPTION 'tenant_bootstrap: role % is still a member of %; revoke that by hand', r, granted;
  END IF;
END
$$;

-- 4. Inside the tenant database, acting as the tenant role so that it owns what is created.
\connect :"db"
SET search_path = pg_catalog;
SET ROLE :"role";

-- pg_database_owner (the tenant role) keeps USAGE/CREATE; nobody else gets anything.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- Trusted extensions (PG 13+): creatable by a role with CREATE on the database, no superuser.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

RESET ROLE;
\echo tenant_bootstrap: ok
