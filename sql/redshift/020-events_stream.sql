-- The streaming materialized view over the event stream: one row per record,
-- the whole event as SUPER and the columns the real-time views read.
-- A materialized view has no CREATE OR REPLACE: it is dropped and created
-- again, so a changed definition (or refresh mode) applies. The new view
-- re-reads the stream from its trim horizon (the stream's retention); the
-- full history is in the raw lake, queried with Athena. CASCADE drops the real-time views, which
-- the later files create again. Extracted values that are missing or of the
-- wrong type become NULL (JSON_EXTRACT_PATH_TEXT's null_if_invalid, guarded
-- casts): one malformed record must never stop the refresh.
DROP MATERIALIZED VIEW IF EXISTS events_stream CASCADE;

CREATE MATERIALIZED VIEW events_stream AUTO REFRESH {{auto_refresh}} AS
SELECT
  approximate_arrival_timestamp,
  partition_key,
  shard_id,
  sequence_number,
  JSON_PARSE(FROM_VARBYTE(kinesis_data, 'utf-8')) AS payload,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'messageId', TRUE) AS VARCHAR(256)) AS message_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'type', TRUE) AS VARCHAR(16)) AS type,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'event', TRUE) AS VARCHAR(512)) AS event,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'userId', TRUE) AS VARCHAR(1024)) AS user_id,
  CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'anonymousId', TRUE) AS VARCHAR(1024)) AS anonymous_id,
  CASE
    WHEN JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'timestamp', TRUE) LIKE '____-__-__T__:__:__%'
    THEN CAST(REPLACE(LEFT(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'timestamp', TRUE), 19), 'T', ' ') AS TIMESTAMP)
  END AS event_time,
  CASE
    WHEN REGEXP_COUNT(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'properties', 'revenue', TRUE), '^-?[0-9]+([.][0-9]+)?$') = 1
    THEN CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'properties', 'revenue', TRUE) AS DOUBLE PRECISION)
    -- As the orders view: the order's total when it names no revenue.
    WHEN REGEXP_COUNT(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'properties', 'total', TRUE), '^-?[0-9]+([.][0-9]+)?$') = 1
    THEN CAST(JSON_EXTRACT_PATH_TEXT(FROM_VARBYTE(kinesis_data, 'utf-8'), 'properties', 'total', TRUE) AS DOUBLE PRECISION)
  END AS revenue
FROM kinesis_events."{{stream_name}}"
WHERE CAN_JSON_PARSE(FROM_VARBYTE(kinesis_data, 'utf-8'));
