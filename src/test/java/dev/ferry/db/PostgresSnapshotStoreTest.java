package dev.ferry.db;

import dev.ferry.testing.PostgresJournalDatabase;
import org.apache.pekko.persistence.CapabilityFlag;
import org.apache.pekko.persistence.japi.snapshot.JavaSnapshotStoreSpec;
import org.apache.pekko.persistence.snapshot.SnapshotStoreSpec$;

/** Pekko's persistence TCK ({@code SnapshotStoreSpec}) against Ferry's snapshot store on PostgreSQL. */
public class PostgresSnapshotStoreTest extends JavaSnapshotStoreSpec {

  public PostgresSnapshotStoreTest() {
    super(PostgresJournalDatabase.start(SnapshotStoreSpec$.MODULE$.config()));
  }

  @Override
  public CapabilityFlag supportsSerialization() {
    return CapabilityFlag.on();
  }
}
