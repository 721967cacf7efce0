-- The region tree as one row per region: its parent, and whether it was removed.
--
-- Until now each region's grain state held its parent, its children and its whole path to the
-- root: storage grew with the square of a chain's depth, a parent with 100,000 children rewrote
-- them all at each new one, and a move rewrote every descendant in nested grain calls. Now a
-- create, move or removal writes one row, whatever the shape of the tree; paths are walked from
-- parent to parent where they are needed (the routers keep a copy of this table, see
-- docs/behaviour.md "Regions").
--
-- version orders the changes: every write takes the next number of region_tree_change while it
-- holds the tree's advisory lock, so changes commit in version order and a reader that asks for
-- the rows past the version it holds never skips one. A removed region keeps its row (and its
-- parent), so that the events of its removal, and of entities deleted with it, still find the
-- subtrees it was in.
CREATE SEQUENCE region_tree_change AS bigint;

CREATE TABLE region_tree (
    service_id text    NOT NULL,
    id         bigint  NOT NULL,
    parent_id  bigint,
    removed    boolean NOT NULL DEFAULT false,
    version    bigint  NOT NULL,
    PRIMARY KEY (service_id, id)
);

CREATE INDEX region_tree_versions ON region_tree (service_id, version);

-- The regions the previous version kept in grain states ('region-node') are copied here once per
-- service, by the first silo of this version that loads the tree; this row says it was done.
CREATE TABLE region_tree_import (
    service_id  text        PRIMARY KEY,
    regions     integer     NOT NULL,
    imported_on timestamptz NOT NULL DEFAULT now()
);
