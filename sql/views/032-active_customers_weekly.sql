-- How many customers are active each week? Distinct profiles with a track, identify, page or screen event
-- in the week (weeks start on Monday, UTC; week is that Monday).
CREATE OR REPLACE VIEW active_customers_weekly AS
SELECT CAST(date_trunc('week', event_time) AS DATE) AS week, count(DISTINCT profile_id) AS active_customers
FROM events
WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
GROUP BY CAST(date_trunc('week', event_time) AS DATE)
