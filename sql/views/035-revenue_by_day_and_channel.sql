-- How much revenue does each channel bring each day? Orders (Order Completed) and their revenue by event day
-- (UTC) and context.channel ('unknown' when the event names none).
CREATE OR REPLACE VIEW revenue_by_day_and_channel AS
SELECT
  CAST(event_time AS DATE) AS day,
  coalesce(channel, 'unknown') AS channel,
  count(*) AS orders,
  coalesce(sum(revenue), CAST(0 AS double)) AS revenue
FROM orders
WHERE event_time IS NOT NULL
GROUP BY CAST(event_time AS DATE), coalesce(channel, 'unknown')
