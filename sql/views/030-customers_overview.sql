-- How many customers are there? One row over the current profiles: all of them, those identified (a userId,
-- an email or a phone), those still anonymous, how many profiles were merged away into them (sum of
-- merged_from_count), and how many have an email, a phone, a recorded consent.
CREATE OR REPLACE VIEW customers_overview AS
SELECT
  count(*) AS total_profiles,
  count(CASE WHEN user_id IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL THEN 1 END) AS identified_profiles,
  count(CASE WHEN user_id IS NULL AND email IS NULL AND phone IS NULL THEN 1 END) AS anonymous_profiles,
  CAST(coalesce(sum(merged_from_count), 0) AS bigint) AS merged_away_profiles,
  count(email) AS with_email,
  count(phone) AS with_phone,
  count(consent) AS with_consent
FROM profiles_current
