-- How many customers are active each month? Distinct profiles with a track, identify, page or screen event
-- in the month (UTC; month is its first day).
CREATE OR REPLACE VIEW active_customers_monthly AS
SELECT CAST(date_trunc('month', event_time) AS DATE) AS month, count(DISTINCT profile_id) AS active_customers
FROM events
WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
GROUP BY CAST(date_trunc('month', event_time) AS DATE)
