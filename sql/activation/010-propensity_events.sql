-- The propensity job's input: one row per event of a resolved profile (track, page, screen and identify calls),
-- with its time as epoch milliseconds (at_ms), its name (the track event's name, else the call type), its channel
-- (context.channel), an order's revenue (properties.revenue, else properties.total, as a number) and a closed
-- ticket's csat (properties.csat, as a number). The job's own Propensity Scored events are left out. The job reads
-- the events of profiles that have an order (its configured order event) and computes the features itself.
CREATE OR REPLACE VIEW propensity_events AS
SELECT
  profile_id,
  CAST(floor(to_unixtime(event_time) * 1000) AS bigint) AS at_ms,
  CASE WHEN type = 'track' THEN event ELSE type END AS name,
  channel,
  CASE
    WHEN type = 'track' THEN coalesce(
      try(CAST(json_extract_scalar(properties, '$.revenue') AS double)),
      try(CAST(json_extract_scalar(properties, '$.total') AS double))
    )
  END AS revenue,
  CASE WHEN type = 'track' THEN try(CAST(json_extract_scalar(properties, '$.csat') AS double)) END AS csat
FROM events
WHERE profile_id IS NOT NULL
  AND event_time IS NOT NULL
  AND (type IN ('page', 'screen', 'identify') OR (type = 'track' AND event IS NOT NULL AND event <> '' AND event <> 'Propensity Scored'))
