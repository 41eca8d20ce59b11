package dev.ferry.common;

import java.util.List;
import java.util.stream.IntStream;

/** A fixed list of tags per entity type, picked by id hash; each projection instance consumes one tag. */
public final class Tags {

  public static final int COUNT = 4;

  private Tags() {}

  public static List<String> all(String entityType) {
    return IntStream.range(0, COUNT).mapToObj(i -> prefix(entityType) + i).toList();
  }

  public static String forId(String entityType, String entityId) {
    return prefix(entityType) + Math.abs(entityId.hashCode() % COUNT);
  }

  private static String prefix(String entityType) {
    return entityType.toLowerCase() + "-";
  }
}
