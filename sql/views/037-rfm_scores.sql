-- Who are the best, the slipping and the lost customers? RFM over orders, per profile with an order:
-- recency_days = days (UTC dates) from the profile's latest order to the latest order in the data (not today,
-- so the result does not change with the clock), frequency = orders, monetary = their revenue.
-- Scores 1-5 by ntile(5): r_score highest for the most recent, f_score and m_score highest for the most orders
-- and revenue; ties are split by profile_id, so equal values may land in neighbouring scores.
-- rfm_segment, first rule that holds: 'New' r_score >= 4 and a single order; 'Champions' r, f and m all >= 4;
-- 'Loyal' r >= 3 and f >= 3; 'At Risk' r <= 2 and f >= 3; 'Hibernating' r <= 2 and f <= 2; else 'Other'.
CREATE OR REPLACE VIEW rfm_scores AS
WITH latest AS (
  SELECT max(event_time) AS latest_order_at FROM orders
),
per_profile AS (
  SELECT profile_id, max(event_time) AS last_order_at, count(*) AS frequency, coalesce(sum(revenue), CAST(0 AS double)) AS monetary
  FROM orders
  WHERE profile_id IS NOT NULL AND event_time IS NOT NULL
  GROUP BY profile_id
),
scored AS (
  SELECT
    p.profile_id,
    date_diff('day', CAST(p.last_order_at AS DATE), CAST(l.latest_order_at AS DATE)) AS recency_days,
    p.frequency,
    p.monetary
  FROM per_profile p
  CROSS JOIN latest l
),
ranked AS (
  SELECT
    profile_id, recency_days, frequency, monetary,
    CAST(ntile(5) OVER (ORDER BY recency_days DESC, profile_id) AS integer) AS r_score,
    CAST(ntile(5) OVER (ORDER BY frequency, profile_id) AS integer) AS f_score,
    CAST(ntile(5) OVER (ORDER BY monetary, profile_id) AS integer) AS m_score
  FROM scored
)
SELECT
  profile_id, recency_days, frequency, monetary, r_score, f_score, m_score,
  CASE
    WHEN r_score >= 4 AND frequency = 1 THEN 'New'
    WHEN r_score >= 4 AND f_score >= 4 AND m_score >= 4 THEN 'Champions'
    WHEN r_score >= 3 AND f_score >= 3 THEN 'Loyal'
    WHEN r_score <= 2 AND f_score >= 3 THEN 'At Risk'
    WHEN r_score <= 2 AND f_score <= 2 THEN 'Hibernating'
    ELSE 'Other'
  END AS rfm_segment
FROM ranked
