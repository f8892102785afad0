-- Every accepted event once, in one shape: the first copy of each messageId (by receivedAt), its event and receive
-- times as UTC timestamps (event_time falls back to received_at when the timestamp is not ISO-8601), and its
-- profile_id as of the latest identity graph (identities_current, through the userId, else the anonymousId), so
-- that merges re-attribute history. Events of identifiers the graph does not hold yet have a null profile_id.
CREATE OR REPLACE VIEW events AS
WITH raw AS (
  SELECT
    type, messageid, userid, anonymousid, event, name, category, previousid, traits, properties, context, source,
    CAST(from_unixtime(to_unixtime(try(from_iso8601_timestamp("timestamp")))) AS timestamp) AS event_ts,
    CAST(from_unixtime(to_unixtime(try(from_iso8601_timestamp(receivedat)))) AS timestamp) AS received_ts,
    row_number() OVER (PARTITION BY messageid ORDER BY receivedat, source, dt) AS copy_number
  FROM raw_events
),
ids AS (
  SELECT identifier_type, identifier_value, min(profile_id) AS profile_id
  FROM identities_current
  WHERE identifier_type IN ('userId', 'anonymousId')
  GROUP BY identifier_type, identifier_value
)
SELECT
  coalesce(u.profile_id, a.profile_id) AS profile_id,
  r.type,
  r.messageid AS message_id,
  coalesce(r.event_ts, r.received_ts) AS event_time,
  r.received_ts AS received_at,
  r.userid AS user_id,
  r.anonymousid AS anonymous_id,
  json_extract_scalar(r.context, '$.channel') AS channel,
  r.source,
  r.event,
  r.name,
  r.category,
  r.previousid AS previous_id,
  r.traits,
  r.properties,
  r.context
FROM raw r
LEFT JOIN ids u ON u.identifier_type = 'userId' AND u.identifier_value = trim(r.userid)
LEFT JOIN ids a ON a.identifier_type = 'anonymousId' AND a.identifier_value = trim(r.anonymousid)
WHERE r.copy_number = 1 OR r.messageid IS NULL
