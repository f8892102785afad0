-- How the propensity job addresses a profile's score event: per profile of the latest identity graph, its smallest
-- userId and its smallest anonymousId (either may be null; the job uses the userId, else the anonymousId).
CREATE OR REPLACE VIEW propensity_addresses AS
SELECT
  profile_id,
  min(CASE WHEN identifier_type = 'userId' THEN identifier_value END) AS user_id,
  min(CASE WHEN identifier_type = 'anonymousId' THEN identifier_value END) AS anonymous_id
FROM identities_current
WHERE identifier_type IN ('userId', 'anonymousId')
GROUP BY profile_id
