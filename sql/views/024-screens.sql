-- Screen calls (mobile apps), one row per event, with the screen name.
CREATE OR REPLACE VIEW screens AS
SELECT profile_id, message_id, event_time, received_at, user_id, anonymous_id, channel, source, name, properties, context
FROM events
WHERE type = 'screen'
