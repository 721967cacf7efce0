-- A delivery's row is written twice: queued (PENDING), then updated when an attempt ends. With
-- pages packed full, the new version lands on another page, and PostgreSQL logs the old one's
-- lock and the whole new row (body included). Pages kept 40 % free let the update stay on its
-- page, where the WAL record carries only the bytes that changed. Finished rows then fill pages
-- to about 60 %: the outbox takes more disk for less WAL per delivery. Applies to new pages.
ALTER TABLE delivery_outbox SET (fillfactor = 60);
