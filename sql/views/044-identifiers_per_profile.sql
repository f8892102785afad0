-- How connected is the identity graph? Profiles by the number of identifiers they hold (latest export).
CREATE OR REPLACE VIEW identifiers_per_profile AS
WITH per_profile AS (
  SELECT profile_id, count(*) AS identifier_count FROM identities_current GROUP BY profile_id
)
SELECT CAST(identifier_count AS integer) AS identifiers, count(*) AS profiles
FROM per_profile
GROUP BY identifier_count
