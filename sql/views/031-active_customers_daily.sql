-- How many customers are active each day? Distinct profiles with a track, identify, page or screen event
-- that day (UTC, by event time).
CREATE OR REPLACE VIEW active_customers_daily AS
SELECT CAST(event_time AS DATE) AS day, count(DISTINCT profile_id) AS active_customers
FROM events
WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
GROUP BY CAST(event_time AS DATE)
