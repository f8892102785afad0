-- Where does activity happen? Track, identify, page and screen events by context.channel ('unknown' when none),
-- with the distinct customers (resolved profiles) seen there.
CREATE OR REPLACE VIEW channel_mix AS
SELECT coalesce(channel, 'unknown') AS channel, count(*) AS events, count(DISTINCT profile_id) AS customers
FROM events
WHERE type IN ('track', 'identify', 'page', 'screen')
GROUP BY coalesce(channel, 'unknown')
