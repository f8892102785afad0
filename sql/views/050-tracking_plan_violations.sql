-- Which events break the tracking plan, and how? Per source, event (a track call's name, else its type) and reason:
-- events accepted although they break it (action 'flag': the collector's context.c360.violations, up to 10 per event,
-- each reason as `property: reason`) and events the stream consumer blocked (action 'reject': quarantined with the
-- reason `tracking plan: <event>: <reasons>`, the reasons kept as one text). Events the collector blocked were
-- refused in its HTTP answer and never reached the lake.
CREATE OR REPLACE VIEW tracking_plan_violations AS
WITH checked AS (
  SELECT source, CASE WHEN type = 'track' THEN event ELSE type END AS event, context
  FROM events
  WHERE json_extract_scalar(context, '$.c360.plan') = 'checked'
),
flagged AS (
  SELECT
    f.source,
    f.event,
    CASE v.i
      WHEN 0 THEN json_extract_scalar(f.context, '$.c360.violations[0].property')
      WHEN 1 THEN json_extract_scalar(f.context, '$.c360.violations[1].property')
      WHEN 2 THEN json_extract_scalar(f.context, '$.c360.violations[2].property')
      WHEN 3 THEN json_extract_scalar(f.context, '$.c360.violations[3].property')
      WHEN 4 THEN json_extract_scalar(f.context, '$.c360.violations[4].property')
      WHEN 5 THEN json_extract_scalar(f.context, '$.c360.violations[5].property')
      WHEN 6 THEN json_extract_scalar(f.context, '$.c360.violations[6].property')
      WHEN 7 THEN json_extract_scalar(f.context, '$.c360.violations[7].property')
      WHEN 8 THEN json_extract_scalar(f.context, '$.c360.violations[8].property')
      WHEN 9 THEN json_extract_scalar(f.context, '$.c360.violations[9].property')
    END AS property,
    CASE v.i
      WHEN 0 THEN json_extract_scalar(f.context, '$.c360.violations[0].reason')
      WHEN 1 THEN json_extract_scalar(f.context, '$.c360.violations[1].reason')
      WHEN 2 THEN json_extract_scalar(f.context, '$.c360.violations[2].reason')
      WHEN 3 THEN json_extract_scalar(f.context, '$.c360.violations[3].reason')
      WHEN 4 THEN json_extract_scalar(f.context, '$.c360.violations[4].reason')
      WHEN 5 THEN json_extract_scalar(f.context, '$.c360.violations[5].reason')
      WHEN 6 THEN json_extract_scalar(f.context, '$.c360.violations[6].reason')
      WHEN 7 THEN json_extract_scalar(f.context, '$.c360.violations[7].reason')
      WHEN 8 THEN json_extract_scalar(f.context, '$.c360.violations[8].reason')
      WHEN 9 THEN json_extract_scalar(f.context, '$.c360.violations[9].reason')
    END AS reason
  FROM checked f
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS v(i)
),
planned AS (
  SELECT
    source AS lake_source,
    reason,
    CASE WHEN encoding = 'utf8' THEN data END AS data
  FROM quarantine
  WHERE reason LIKE 'tracking plan: %'
),
blocked AS (
  SELECT
    coalesce(json_extract_scalar(data, '$.context.source'), lake_source) AS source,
    CASE WHEN json_extract_scalar(data, '$.type') = 'track' THEN json_extract_scalar(data, '$.event') ELSE json_extract_scalar(data, '$.type') END AS event,
    reason
  FROM planned
),
violations AS (
  SELECT source, event, CASE WHEN property IS NULL THEN reason ELSE property || ': ' || reason END AS reason, 'flag' AS action
  FROM flagged
  WHERE reason IS NOT NULL
  UNION ALL
  SELECT source, event, CASE WHEN event IS NULL THEN reason ELSE substr(reason, length(event) + 18) END AS reason, 'reject' AS action
  FROM blocked
)
SELECT source, event, reason, action, count(*) AS events
FROM violations
GROUP BY source, event, reason, action
