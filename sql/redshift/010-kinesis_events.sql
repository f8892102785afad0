-- The event stream as an external schema: Redshift reads Kinesis with the
-- namespace's role (Kinesis read on the stream, kms:Decrypt on its key).
CREATE EXTERNAL SCHEMA IF NOT EXISTS kinesis_events
FROM KINESIS
IAM_ROLE '{{role_arn}}';
