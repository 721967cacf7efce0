-- Grain state for the Orleans ADO.NET storage provider.
-- One row per grain state; identity is (service, state name, N0, N1, key extension).
-- The two hash columns only narrow index look-ups: they collide, so every query also
-- compares the full identity.
CREATE TABLE orleans_grain_state (
    serviceid              text        NOT NULL,
    graintypestring        text        NOT NULL,
    graintypehash          integer     NOT NULL,
    grainidhash            integer     NOT NULL,
    grainidn0              bigint      NOT NULL,
    grainidn1              bigint      NOT NULL,
    grainidextensionstring text,
    payloadbinary          bytea,
    version                integer     NOT NULL,
    modifiedon             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_identity
        UNIQUE NULLS NOT DISTINCT (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring)
);

CREATE INDEX orleans_grain_state_lookup
    ON orleans_grain_state (serviceid, graintypehash, grainidhash);

-- The queries the providers load at start-up, keyed by the names they ask for.
CREATE TABLE orleansquery (
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadFromStorageKey', $q$
SELECT s.payloadbinary AS PayloadBinary, s.version AS Version
FROM orleans_grain_state s
WHERE s.serviceid = @ServiceId
  AND s.graintypehash = @GrainTypeHash
  AND s.grainidhash = @GrainIdHash
  AND s.graintypestring = @GrainTypeString
  AND s.grainidn0 = @GrainIdN0
  AND s.grainidn1 = @GrainIdN1
  AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),
-- First write (no version held): insert, unless a row exists already (then no row comes back,
-- which the provider reports as a conflict). Later writes: compare-and-swap on the version.
('WriteToStorageKey', $q$
WITH inserted AS (
    INSERT INTO orleans_grain_state
        (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1,
         grainidextensionstring, payloadbinary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT orleans_grain_state_identity DO NOTHING
    RETURNING version
), updated AS (
    UPDATE orleans_grain_state s
    SET payloadbinary = @PayloadBinary, version = s.version + 1, modifiedon = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND s.serviceid = @ServiceId
      AND s.graintypehash = @GrainTypeHash
      AND s.grainidhash = @GrainIdHash
      AND s.graintypestring = @GrainTypeString
      AND s.grainidn0 = @GrainIdN0
      AND s.grainidn1 = @GrainIdN1
      AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND s.version = @GrainStateVersion
    RETURNING s.version
)
SELECT version AS NewGrainStateVersion FROM inserted
UNION ALL
SELECT version FROM updated
$q$),
-- Clearing keeps the row (and so the version sequence) with no payload.
('ClearStorageKey', $q$
WITH inserted AS (
    INSERT INTO orleans_grain_state
        (serviceid, graintypestring, graintypehash, grainidhash, grainidn0, grainidn1,
         grainidextensionstring, payloadbinary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, NULL, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT orleans_grain_state_identity DO NOTHING
    RETURNING version
), updated AS (
    UPDATE orleans_grain_state s
    SET payloadbinary = NULL, version = s.version + 1, modifiedon = now()
    WHERE @GrainStateVersion IS NOT NULL
      AND s.serviceid = @ServiceId
      AND s.graintypehash = @GrainTypeHash
      AND s.grainidhash = @GrainIdHash
      AND s.graintypestring = @GrainTypeString
      AND s.grainidn0 = @GrainIdN0
      AND s.grainidn1 = @GrainIdN1
      AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND s.version = @GrainStateVersion
    RETURNING s.version
)
SELECT version AS NewGrainStateVersion FROM inserted
UNION ALL
SELECT version FROM updated
$q$),
-- Deleting answers a version different from the one sent, as the provider expects on success.
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_grain_state s
    WHERE s.serviceid = @ServiceId
      AND s.graintypehash = @GrainTypeHash
      AND s.grainidhash = @GrainIdHash
      AND s.graintypestring = @GrainTypeString
      AND s.grainidn0 = @GrainIdN0
      AND s.grainidn1 = @GrainIdN1
      AND s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND s.version = @GrainStateVersion
    RETURNING s.version
)
SELECT version + 1 AS NewGrainStateVersion FROM deleted
$q$);
