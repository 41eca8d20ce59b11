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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runtime logs of functions, stored per deployment (any node reads what any serving node wrote). Lines are
 * buffered and written in batches by {@link #flush()}, which the runtime calls on a timer; the buffer is bounded, and
 * lines beyond it are dropped (and counted) rather than slowing requests down.
 */
public final class RuntimeLogStore {

  static final int MAX_PENDING = 20_000;

  private static final Logger log = LoggerFactory.getLogger(RuntimeLogStore.class);

  private record Pending(String deploymentId, String function, Instant at, String stream, String text) {}

  private final DataSource dataSource;
  private final List<Pending> pending = new ArrayList<>();
  private long dropped;

  public RuntimeLogStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public List<BuildLogStore.Line> read(String deploymentId, long afterSeq, int limit) throws SQLException {
    return Sql.query(dataSource,
        "SELECT seq, at, stream, text FROM runtime_logs WHERE deployment_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        row -> new BuildLogStore.Line(row.getLong(1), Sql.instant(row, "at"), row.getString(3), row.getString(4)),
        deploymentId, afterSeq, limit);
  }

  /** Queues a line (already masked); stream is stdout, stderr or system. */
  public synchronized void append(String deploymentId, String function, String stream, String text) {
    if (pending.size() >= MAX_PENDING) {
      dropped++;
      return;
    }
    String bounded = text.length() > BuildLogStore.MAX_LINE_CHARS
        ? text.substring(0, BuildLogStore.MAX_LINE_CHARS) + "…" : text;
    String name = function.length() > 255 ? function.substring(0, 255) : function;
    pending.add(new Pending(deploymentId, name, Instant.now(), stream, bounded));
  }

  public void flush() throws SQLException {
    List<Pending> batch;
    long lost;
    synchronized (this) {
      if (pending.isEmpty()) {
        return;
      }
      batch = new ArrayList<>(pending);
      pending.clear();
      lost = dropped;
      dropped = 0;
    }
    if (lost > 0) {
      log.warn("Dropped {} runtime log lines: functions wrote faster than the log store could keep up", lost);
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert = connection.prepareStatement(
            "INSERT INTO runtime_logs (deployment_id, function_name, at, stream, text) VALUES (?, ?, ?, ?, ?)")) {
      for (Pending line : batch) {
        insert.setString(1, line.deploymentId());
        insert.setString(2, line.function());
        insert.setTimestamp(3, Timestamp.from(line.at()));
        insert.setString(4, line.stream());
        insert.setString(5, line.text());
        insert.addBatch();
      }
      insert.executeBatch();
    }
  }
}
