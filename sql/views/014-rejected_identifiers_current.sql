-- Identifiers the identity graph refused to link in the latest export (limits, blocklist...), with the reason.
CREATE OR REPLACE VIEW rejected_identifiers_current AS
SELECT r.profile_id, r.identifier_type, r.identifier_value, r.reason, r.message_id, r.rejected_at, r.export_id
FROM rejected_identifiers r
JOIN (SELECT max(export_id) AS export_id FROM rejected_identifiers) latest ON r.export_id = latest.export_id
