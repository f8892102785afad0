-- How is lifetime value spread? Current profiles by total_revenue bucket (whole currency units: '0' is under 1,
-- refunds below zero included; '1-49' is 1 up to but not including 50, and so on; '1000+' is 1000 and more),
-- every bucket listed even when empty, with the customers in it and their revenue. A null revenue counts as 0.
CREATE OR REPLACE VIEW lifetime_value_distribution AS
WITH buckets AS (
  SELECT bucket_order, ltv_bucket, lower_bound, upper_bound
  FROM (
    VALUES
      (1, '0', NULL, 1),
      (2, '1-49', 1, 50),
      (3, '50-99', 50, 100),
      (4, '100-249', 100, 250),
      (5, '250-499', 250, 500),
      (6, '500-999', 500, 1000),
      (7, '1000+', 1000, NULL)
  ) AS b (bucket_order, ltv_bucket, lower_bound, upper_bound)
),
ltv AS (
  SELECT coalesce(total_revenue, CAST(0 AS double)) AS revenue FROM profiles_current
)
SELECT
  CAST(b.bucket_order AS integer) AS bucket_order,
  b.ltv_bucket,
  count(l.revenue) AS customers,
  coalesce(sum(l.revenue), CAST(0 AS double)) AS total_revenue
FROM buckets b
LEFT JOIN ltv l
  ON (b.lower_bound IS NULL OR l.revenue >= b.lower_bound) AND (b.upper_bound IS NULL OR l.revenue < b.upper_bound)
GROUP BY b.bucket_order, b.ltv_bucket
