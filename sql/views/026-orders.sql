-- Orders: every Order Completed track call, with its order id (properties.order_id, else orderId), revenue
-- (properties.revenue, else properties.total, as a number; null when neither is one), currency and products (JSON text).
CREATE OR REPLACE VIEW orders AS
SELECT
  profile_id,
  message_id,
  coalesce(json_extract_scalar(properties, '$.order_id'), json_extract_scalar(properties, '$.orderId')) AS order_id,
  coalesce(
    try(CAST(json_extract_scalar(properties, '$.revenue') AS double)),
    try(CAST(json_extract_scalar(properties, '$.total') AS double))
  ) AS revenue,
  json_extract_scalar(properties, '$.currency') AS currency,
  event_time,
  channel,
  source,
  json_format(json_extract(properties, '$.products')) AS products
FROM tracks
WHERE event = 'Order Completed'
