-- How many profiles merge each day, and why? Merges of the latest export by day (UTC) of the merge and rule.
CREATE OR REPLACE VIEW merges_per_day AS
SELECT CAST(merged_at AS DATE) AS day, rule, count(*) AS merges
FROM identity_merges_current
GROUP BY CAST(merged_at AS DATE), rule
