package dev.ferry.db;

import dev.ferry.testing.PostgresJournalDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.pekko.persistence.CapabilityFlag;
import org.apache.pekko.persistence.japi.snapshot.JavaSnapshotStoreSpec;
import org.apache.pekko.persistence.snapshot.SnapshotStoreSpec$;

/** Pekko's persistence TCK ({@code SnapshotStoreSpec}) against Ferry's snapshot store on PostgreSQL. */
public class PostgresSnapshotStoreTest extends JavaSnapshotStoreSpec {

  private final PostgresJournalDatabase database;

  public PostgresSnapshotStoreTest() {
    this(PostgresJournalDatabase.start(SnapshotStoreSpec$.MODULE$.config()));
  }

  private PostgresSnapshotStoreTest(PostgresJournalDatabase database) {
    super(database.config());
    this.database = database;
  }

  @Override
  public CapabilityFlag supportsSerialization() {
    return CapabilityFlag.on();
  }

  @Override
  public void afterAll() {
    try {
      super.afterAll();
    } finally {
      try {
        database.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
