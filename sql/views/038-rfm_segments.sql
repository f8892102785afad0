-- How many customers, and how much revenue, in each RFM segment (see rfm_scores for the rules)?
CREATE OR REPLACE VIEW rfm_segments AS
SELECT rfm_segment, count(*) AS customers, sum(monetary) AS revenue
FROM rfm_scores
GROUP BY rfm_segment
