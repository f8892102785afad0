-- Orders and revenue of the current UTC day (Order Completed events that
-- reached the stream since midnight), and how many customers placed them.
CREATE OR REPLACE VIEW revenue_today AS
SELECT
  COUNT(*) AS orders,
  COALESCE(SUM(revenue), 0) AS revenue,
  COUNT(DISTINCT COALESCE(user_id, anonymous_id)) AS customers
FROM events_stream
WHERE type = 'track'
  AND event = 'Order Completed'
  AND approximate_arrival_timestamp >= TRUNC(GETDATE());
