package dev.ferry.logs;

import dev.ferry.db.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Build logs, stored per deployment in sequence; any node can read what any worker wrote. */
public final class BuildLogStore {

  static final int MAX_LINE_CHARS = 16_384;

  private final DataSource dataSource;

  public BuildLogStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One line; it travels to followers on other nodes too ({@link LiveBuildLog}). */
  public record Line(long seq, Instant at, String stream, String text)
      implements dev.ferry.common.CborSerializable {}

  public List<Line> read(String deploymentId, long afterSeq, int limit) throws SQLException {
    return Sql.query(dataSource,
        "SELECT seq, at, stream, text FROM build_logs WHERE deployment_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        row -> new Line(row.getLong(1), Sql.instant(row, "at"), row.getString(3), row.getString(4)),
        deploymentId, afterSeq, limit);
  }

  /** Opens a writer that continues the deployment's sequence (a retried build appends to the same log). */
  public Writer writer(String deploymentId) throws SQLException {
    return writer(deploymentId, line -> {});
  }

  /** A writer that also hands every line to {@code live} as it is appended (in sequence, before it is stored). */
  public Writer writer(String deploymentId, java.util.function.Consumer<Line> live) throws SQLException {
    long last = Sql.query(dataSource, "SELECT COALESCE(MAX(seq), 0) FROM build_logs WHERE deployment_id = ?",
        row -> row.getLong(1), deploymentId).get(0);
    return new Writer(deploymentId, last, live);
  }

  /** Buffers lines and writes them in batches; {@link #flush()} is called by the worker on a timer and at the end. */
  public final class Writer {
    private final String deploymentId;
    private final List<Line> pending = new ArrayList<>();
    private final java.util.function.Consumer<Line> live;
    private long seq;

    private Writer(String deploymentId, long lastSeq, java.util.function.Consumer<Line> live) {
      this.deploymentId = deploymentId;
      this.seq = lastSeq;
      this.live = live;
    }

    public synchronized void append(String stream, String text) {
      String bounded = text.length() > MAX_LINE_CHARS ? text.substring(0, MAX_LINE_CHARS) + "…" : text;
      Line line = new Line(++seq, Instant.now(), stream, bounded);
      pending.add(line);
      live.accept(line);
    }

    /** The sequence number of the last line appended. */
    public synchronized long lastSeq() {
      return seq;
    }

    public void flush() throws SQLException {
      List<Line> batch;
      synchronized (this) {
        if (pending.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(pending);
        pending.clear();
      }
      try (Connection connection = dataSource.getConnection();
          PreparedStatement insert = connection.prepareStatement(
              "INSERT INTO build_logs (deployment_id, seq, at, stream, text) VALUES (?, ?, ?, ?, ?)")) {
        for (Line line : batch) {
          insert.setString(1, deploymentId);
          insert.setLong(2, line.seq());
          insert.setTimestamp(3, Timestamp.from(line.at()));
          insert.setString(4, line.stream());
          insert.setString(5, line.text());
          insert.addBatch();
        }
        insert.executeBatch();
      }
    }
  }
}
