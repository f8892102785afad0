-- Track calls, one row per event (Segment / RudderStack warehouse shape), with the resolved profile_id.
CREATE OR REPLACE VIEW tracks AS
SELECT profile_id, message_id, event, event_time, received_at, user_id, anonymous_id, channel, source, properties, context
FROM events
WHERE type = 'track'
