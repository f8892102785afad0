-- Which channel do customers first come through? For each profile, the channel of its earliest track,
-- identify, page or screen event (by event time, then receive time, then message id); customers per channel.
CREATE OR REPLACE VIEW first_touch_channels AS
WITH ranked AS (
  SELECT profile_id, channel, row_number() OVER (PARTITION BY profile_id ORDER BY event_time, received_at, message_id) AS touch_rank
  FROM events
  WHERE type IN ('track', 'identify', 'page', 'screen') AND profile_id IS NOT NULL AND event_time IS NOT NULL
)
SELECT coalesce(channel, 'unknown') AS channel, count(*) AS customers
FROM ranked
WHERE touch_rank = 1
GROUP BY coalesce(channel, 'unknown')
