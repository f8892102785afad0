-- Alias calls: the previous id each user id was linked to.
CREATE OR REPLACE VIEW aliases AS
SELECT profile_id, message_id, event_time, received_at, user_id, anonymous_id, channel, source, previous_id, context
FROM events
WHERE type = 'alias'
