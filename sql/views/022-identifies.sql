-- Identify calls, one row per event, with the traits as JSON text and the resolved profile_id.
CREATE OR REPLACE VIEW identifies AS
SELECT profile_id, message_id, event_time, received_at, user_id, anonymous_id, channel, source, traits, context
FROM events
WHERE type = 'identify'
