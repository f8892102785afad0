-- Why did the identity graph refuse links? Rejected identifiers of the latest export by reason, with the
-- profiles they came with.
CREATE OR REPLACE VIEW rejected_links_by_reason AS
SELECT reason, count(*) AS links, count(DISTINCT profile_id) AS profiles
FROM rejected_identifiers_current
GROUP BY reason
