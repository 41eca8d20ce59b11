package dev.ferry.testing;

import dev.ferry.db.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh read-model database per test, migrated like a node's, for projection handler tests. */
public abstract class ProjectionTestDatabase {

  @TempDir
  protected Path dataDir;
  protected Database database;

  @BeforeEach
  void openProjectionDatabase() {
    database = ProjectionTests.database(dataDir);
  }

  @AfterEach
  void closeProjectionDatabase() {
    database.close();
  }
}
