-- Are the day's active customers new or returning? Of the profiles active on a day (track, identify, page or
-- screen, UTC), those whose first active day is that day are new, those first seen on an earlier day returning.
CREATE OR REPLACE VIEW new_vs_returning AS
WITH activity AS (
  SELECT DISTINCT profile_id, CAST(event_time AS DATE) AS day
  FROM events
  WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
),
firsts AS (
  SELECT profile_id, min(day) AS first_day FROM activity GROUP BY profile_id
)
SELECT
  a.day,
  count(CASE WHEN a.day = f.first_day THEN 1 END) AS new_customers,
  count(CASE WHEN a.day > f.first_day THEN 1 END) AS returning_customers
FROM activity a
JOIN firsts f ON f.profile_id = a.profile_id
GROUP BY a.day
