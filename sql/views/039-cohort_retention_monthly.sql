-- Do customers come back? Monthly cohorts by the month of a profile's first activity (track, identify, page or
-- screen, UTC): for each later month, months_since_first (0 = the first month), the cohort's size, how many of
-- it were active that month, and retention = active_customers / cohort_size (0 to 1).
CREATE OR REPLACE VIEW cohort_retention_monthly AS
WITH activity AS (
  SELECT DISTINCT profile_id, CAST(date_trunc('month', event_time) AS DATE) AS activity_month
  FROM events
  WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
),
cohorts AS (
  SELECT profile_id, min(activity_month) AS cohort_month FROM activity GROUP BY profile_id
),
sizes AS (
  SELECT cohort_month, count(*) AS cohort_size FROM cohorts GROUP BY cohort_month
)
SELECT
  c.cohort_month,
  CAST(date_diff('month', c.cohort_month, a.activity_month) AS integer) AS months_since_first,
  s.cohort_size,
  count(*) AS active_customers,
  CAST(count(*) AS double) / s.cohort_size AS retention
FROM activity a
JOIN cohorts c ON c.profile_id = a.profile_id
JOIN sizes s ON s.cohort_month = c.cohort_month
GROUP BY c.cohort_month, a.activity_month, s.cohort_size
