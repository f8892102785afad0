-- What input is rejected, and how much? Quarantined records per source and reason (reason, or Firehose's
-- errorMessage), and their share of everything that source delivered: records / (accepted events of the source
-- in the raw lake + quarantined records of the source). Records Firehose could not file (source 'firehose') came
-- from any source before they could be told apart: their share is of the whole lake (every accepted event +
-- Firehose's rejects).
CREATE OR REPLACE VIEW quarantine_by_reason AS
WITH rejected AS (
  SELECT source, coalesce(reason, errormessage) AS reason FROM quarantine
),
accepted AS (
  SELECT source, count(*) AS events FROM raw_events GROUP BY source
),
accepted_all AS (
  SELECT count(*) AS events FROM raw_events
),
per_source AS (
  SELECT source, count(*) AS records FROM rejected GROUP BY source
),
per_reason AS (
  SELECT source, reason, count(*) AS records FROM rejected GROUP BY source, reason
)
SELECT
  r.source,
  r.reason,
  r.records,
  CAST(r.records AS double) / (CASE WHEN r.source = 'firehose' THEN t.events ELSE coalesce(a.events, 0) END + s.records) AS share
FROM per_reason r
JOIN per_source s ON s.source = r.source
LEFT JOIN accepted a ON a.source = r.source
CROSS JOIN accepted_all t
