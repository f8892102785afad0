-- How do segments grow and shrink? Per segment and day (UTC, of the change), the profiles that entered and
-- exited, the net change, and members at the end of the day: the running sum of net changes from the start of
-- the segment event history (days without a change are not listed).
CREATE OR REPLACE VIEW segment_sizes_daily AS
WITH changes AS (
  SELECT segment, change, CAST(CAST(from_unixtime(to_unixtime(try(from_iso8601_timestamp("at")))) AS timestamp) AS DATE) AS day
  FROM segment_events
),
daily AS (
  SELECT
    day, segment,
    count(CASE WHEN change = 'entered' THEN 1 END) AS entered,
    count(CASE WHEN change = 'exited' THEN 1 END) AS exited
  FROM changes
  WHERE day IS NOT NULL
  GROUP BY day, segment
)
SELECT
  day, segment, entered, exited, entered - exited AS net_change,
  CAST(sum(entered - exited) OVER (PARTITION BY segment ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint) AS members_end_of_day
FROM daily
