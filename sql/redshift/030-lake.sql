-- Spectrum over the lake's Glue database (raw events and the curated exports).
-- Spectrum ignores Athena's partition projection: it sees the partitions
-- registered in the catalog, which the exports and the crawler register.
CREATE EXTERNAL SCHEMA IF NOT EXISTS lake
FROM DATA CATALOG
DATABASE '{{glue_database}}'
IAM_ROLE '{{role_arn}}';
