package dev.ferry.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Small, parameterized JDBC helpers: every value is bound, never concatenated. */
public final class Sql {

  private Sql() {}

  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }

  public static int update(Connection connection, String sql, Object... params) throws SQLException {
    try (PreparedStatement statement = prepare(connection, sql, params)) {
      return statement.executeUpdate();
    }
  }

  public static <T> List<T> query(Connection connection, String sql, RowMapper<T> mapper, Object... params)
      throws SQLException {
    try (PreparedStatement statement = prepare(connection, sql, params);
        ResultSet rows = statement.executeQuery()) {
      List<T> result = new ArrayList<>();
      while (rows.next()) {
        result.add(mapper.map(rows));
      }
      return result;
    }
  }

  public static <T> Optional<T> queryOne(Connection connection, String sql, RowMapper<T> mapper, Object... params)
      throws SQLException {
    List<T> rows = query(connection, sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /** Runs {@code sql} on a pooled connection in auto-commit mode. */
  public static int update(DataSource dataSource, String sql, Object... params) throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      return update(connection, sql, params);
    }
  }

  public static <T> List<T> query(DataSource dataSource, String sql, RowMapper<T> mapper, Object... params)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      return query(connection, sql, mapper, params);
    }
  }

  public static Instant instant(ResultSet row, String column) throws SQLException {
    Timestamp value = row.getTimestamp(column);
    return value == null ? null : value.toInstant();
  }

  private static PreparedStatement prepare(Connection connection, String sql, Object... params)
      throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    for (int i = 0; i < params.length; i++) {
      Object value = params[i];
      statement.setObject(i + 1, value instanceof Instant instant ? Timestamp.from(instant) : value);
    }
    return statement;
  }
}
