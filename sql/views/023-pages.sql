-- Page calls, one row per event: the page name and category, and its url (properties.url, else context.page.url).
CREATE OR REPLACE VIEW pages AS
SELECT
  profile_id, message_id, event_time, received_at, user_id, anonymous_id, channel, source, name, category,
  coalesce(json_extract_scalar(properties, '$.url'), json_extract_scalar(context, '$.page.url')) AS url,
  properties, context
FROM events
WHERE type = 'page'
