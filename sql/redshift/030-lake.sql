-- Spectrum over the lake's Glue database: the curated exports (profiles,
-- identities, merges, segment membership, rejected identifiers), whose
-- partitions the profile export registers in the catalog. Spectrum ignores
-- Athena's partition projection, so the projected raw_events and quarantine
-- tables show no rows here: query their history in Athena.
CREATE EXTERNAL SCHEMA IF NOT EXISTS lake
FROM DATA CATALOG
DATABASE '{{glue_database}}'
IAM_ROLE '{{role_arn}}';
