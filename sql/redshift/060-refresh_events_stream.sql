-- Refreshes events_stream for the scheduled refresh (when the view does not
-- refresh itself). Only a materialized view's owner may refresh it, and the
-- schedule connects as its own database user: the procedure runs as its owner
-- (SECURITY DEFINER) and does nothing else, so anyone may call it.
CREATE OR REPLACE PROCEDURE refresh_events_stream()
NONATOMIC
AS $$
BEGIN
  REFRESH MATERIALIZED VIEW events_stream;
END;
$$ LANGUAGE plpgsql
SECURITY DEFINER;

GRANT EXECUTE ON PROCEDURE refresh_events_stream() TO PUBLIC;
