-- DuckDB spellings of the Athena (Trino) functions the shipped views use, as macros of the same name, so one
-- view text runs on both engines. Each macro keeps the Athena function's meaning on the values the views pass.
-- The local warehouse runs this file (statements separated by ;) before it defines the views.

-- json_extract_scalar(json, path): the scalar at path as text; null when it is missing, null, an object or an array.
CREATE OR REPLACE MACRO json_extract_scalar(j, path) AS
  CASE WHEN json_type(j, path) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, path) END;

-- json_format(json): a JSON value as its text.
CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR);

-- from_iso8601_timestamp(text): an ISO-8601 date-time (with its offset) as a timestamp with time zone.
CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ);

-- to_unixtime(timestamp with time zone): seconds since 1970-01-01 UTC, as a double.
CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t);

-- from_unixtime(seconds): the instant as a timestamp with time zone in the session zone (UTC here, as in Athena),
-- so CAST(from_unixtime(...) AS timestamp) is the UTC wall-clock time on both engines.
CREATE OR REPLACE MACRO from_unixtime(s) AS to_timestamp(s);
