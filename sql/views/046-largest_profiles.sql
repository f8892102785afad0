-- Which profiles gathered the most identifiers (a sign of over-merging)? The top 20 current profiles by
-- identifier_count, then event_count, then profile_id.
CREATE OR REPLACE VIEW largest_profiles AS
SELECT profile_id, identifier_count, merged_from_count, event_count
FROM profiles_current
ORDER BY identifier_count DESC, event_count DESC, profile_id
LIMIT 20
