-- Events that reached the stream since midnight (UTC), by type and event
-- name: how many, from how many distinct visitors, and their revenue.
CREATE OR REPLACE VIEW events_today AS
SELECT
  type,
  event,
  COUNT(*) AS events,
  COUNT(DISTINCT COALESCE(user_id, anonymous_id)) AS visitors,
  SUM(revenue) AS revenue
FROM events_stream
WHERE approximate_arrival_timestamp >= TRUNC(GETDATE())
GROUP BY type, event;
