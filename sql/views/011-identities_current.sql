-- The identity graph of the latest export: which profile holds each identifier (type and value).
CREATE OR REPLACE VIEW identities_current AS
SELECT i.profile_id, i.identifier_type, i.identifier_value, i.export_id
FROM identities i
JOIN (SELECT max(export_id) AS export_id FROM identities) latest ON i.export_id = latest.export_id
