package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Tables, sizes and times for people; the API's JSON for machines. */
final class Output {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
      .withZone(ZoneId.systemDefault());

  private Output() {}

  /** Columns padded to their widest cell; the last column is not padded. */
  static final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
      rows.add(header);
    }

    Table row(String... cells) {
      String[] copy = new String[cells.length];
      for (int i = 0; i < cells.length; i++) {
        copy[i] = cells[i] == null ? "-" : cells[i];
      }
      rows.add(copy);
      return this;
    }

    boolean isEmpty() {
      return rows.size() == 1;
    }

    void print(PrintStream out) {
      int columns = rows.get(0).length;
      int[] widths = new int[columns];
      for (String[] row : rows) {
        for (int i = 0; i < columns; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < columns; i++) {
          line.append(i == columns - 1 ? row[i] : String.format("%-" + widths[i] + "s  ", row[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }
  }

  /** {@code 1.5 MB}, {@code 12 B}: decimal units, as people read file sizes. */
  static String bytes(long bytes) {
    if (bytes < 1000) {
      return bytes + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** An ISO time from the API in local time, or "-". */
  static String time(JsonNode iso) {
    if (iso == null || !iso.isTextual()) {
      return "-";
    }
    try {
      return TIME.format(Instant.parse(iso.textValue()));
    } catch (RuntimeException e) {
      return iso.textValue();
    }
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
  }
}
