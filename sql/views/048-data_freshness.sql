-- Is data arriving? Per source in the raw lake: the latest event time, the latest receive time, and the events
-- received in the 24 hours up to the latest receivedAt across the whole lake (not now, so the result does not
-- change with the clock: a source silent for a day shows 0 while others flow).
CREATE OR REPLACE VIEW data_freshness AS
WITH lake AS (
  SELECT
    source,
    CAST(from_unixtime(to_unixtime(try(from_iso8601_timestamp("timestamp")))) AS timestamp) AS event_time,
    CAST(from_unixtime(to_unixtime(try(from_iso8601_timestamp(receivedat)))) AS timestamp) AS received_at
  FROM raw_events
),
latest AS (
  SELECT max(received_at) AS latest_received_at FROM lake
)
SELECT
  k.source,
  max(k.event_time) AS last_event_at,
  max(k.received_at) AS last_received_at,
  count(CASE WHEN k.received_at > l.latest_received_at - INTERVAL '1' DAY THEN 1 END) AS events_last_24h
FROM lake k
CROSS JOIN latest l
GROUP BY k.source
