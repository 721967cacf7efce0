-- The headers a receiver answered a failed attempt with (a Retry-After, a WWW-Authenticate, a
-- proxy's own), shown with the attempt: "Name: value" lines, at most 2,048 characters. A success
-- records none: they would add to the log row of every delivery. Nullable, no default: adding the
-- column rewrites no partition.
ALTER TABLE delivery_log ADD COLUMN response_headers text;
