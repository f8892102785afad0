-- Creates a database role unless it exists, for the governance roles the
-- deployment adds after these files (analyst, steward and the config's own):
-- CREATE ROLE has no IF NOT EXISTS, and the statements run on every deployment.
CREATE OR REPLACE PROCEDURE c360_ensure_role(wanted VARCHAR(64))
AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM svv_roles WHERE role_name = wanted) THEN
    EXECUTE 'CREATE ROLE ' || quote_ident(wanted);
  END IF;
END;
$$ LANGUAGE plpgsql;
