-- pekko-persistence-jdbc 1.1 (H2): journal, tags, snapshots.
CREATE TABLE IF NOT EXISTS PUBLIC."event_journal" (
    "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
    "deleted" BOOLEAN DEFAULT false NOT NULL,
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "writer" VARCHAR NOT NULL,
    "write_timestamp" BIGINT NOT NULL,
    "adapter_manifest" VARCHAR NOT NULL,
    "event_payload" BLOB NOT NULL,
    "event_ser_id" INTEGER NOT NULL,
    "event_ser_manifest" VARCHAR NOT NULL,
    "meta_payload" BLOB,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    PRIMARY KEY("persistence_id","sequence_number")
);
CREATE UNIQUE INDEX "event_journal_ordering_idx" ON PUBLIC."event_journal" ("ordering");

CREATE TABLE IF NOT EXISTS PUBLIC."event_tag" (
    "event_id" BIGINT NOT NULL,
    "tag" VARCHAR NOT NULL,
    PRIMARY KEY("event_id", "tag"),
    CONSTRAINT fk_event_journal FOREIGN KEY("event_id") REFERENCES "event_journal"("ordering") ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS PUBLIC."snapshot" (
    "persistence_id" VARCHAR(255) NOT NULL,
    "sequence_number" BIGINT NOT NULL,
    "created" BIGINT NOT NULL,
    "snapshot_ser_id" INTEGER NOT NULL,
    "snapshot_ser_manifest" VARCHAR NOT NULL,
    "snapshot_payload" BLOB NOT NULL,
    "meta_ser_id" INTEGER,
    "meta_ser_manifest" VARCHAR,
    "meta_payload" BLOB,
    PRIMARY KEY("persistence_id","sequence_number")
);

-- pekko-projection-jdbc 1.0: offsets and pause flags.
CREATE TABLE IF NOT EXISTS "pekko_projection_offset_store" (
    "projection_name" VARCHAR(255) NOT NULL,
    "projection_key" VARCHAR(255) NOT NULL,
    "current_offset" VARCHAR(255) NOT NULL,
    "manifest" VARCHAR(4) NOT NULL,
    "mergeable" BOOLEAN NOT NULL,
    "last_updated" BIGINT NOT NULL,
    PRIMARY KEY("projection_name", "projection_key")
);
CREATE INDEX IF NOT EXISTS "projection_name_index" ON "pekko_projection_offset_store" ("projection_name");

CREATE TABLE IF NOT EXISTS "pekko_projection_management" (
    "projection_name" VARCHAR(255) NOT NULL,
    "projection_key" VARCHAR(255) NOT NULL,
    "paused" BOOLEAN NOT NULL,
    "last_updated" BIGINT NOT NULL,
    PRIMARY KEY("projection_name", "projection_key")
);
