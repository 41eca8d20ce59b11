package dev.ferry.db;

import dev.ferry.testing.PostgresJournalDatabase;
import org.apache.pekko.persistence.CapabilityFlag;
import org.apache.pekko.persistence.japi.journal.JavaJournalSpec;
import org.apache.pekko.persistence.journal.JournalSpec$;

/**
 * Pekko's persistence TCK ({@code JournalSpec}) against the journal as a Ferry node configures it on PostgreSQL.
 * A ScalaTest suite: the ScalaTest engine for the JUnit Platform (scalatestplus junit-5) runs it in surefire.
 */
public class PostgresJournalTest extends JavaJournalSpec {

  public PostgresJournalTest() {
    super(PostgresJournalDatabase.start(JournalSpec$.MODULE$.config()));
  }

  /** The jdbc journal serializes each event before it writes, so an event it cannot serialize fails alone. */
  @Override
  public CapabilityFlag supportsRejectingNonSerializableObjects() {
    return CapabilityFlag.on();
  }

  @Override
  public CapabilityFlag supportsSerialization() {
    return CapabilityFlag.on();
  }
}
