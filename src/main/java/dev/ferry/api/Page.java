package dev.ferry.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** {@code ?limit=} (default 20, at most 100) and an opaque {@code ?cursor=}. */
public record Page(int limit, Optional<String> cursor) {

  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;

  public static Page of(Optional<String> limit, Optional<String> cursor) {
    int parsed = DEFAULT_LIMIT;
    if (limit.isPresent()) {
      try {
        parsed = Integer.parseInt(limit.get());
      } catch (NumberFormatException e) {
        throw new ApiException(400, "limit must be a whole number from 1 to " + MAX_LIMIT);
      }
      if (parsed < 1 || parsed > MAX_LIMIT) {
        throw new ApiException(400, "limit must be a whole number from 1 to " + MAX_LIMIT);
      }
    }
    return new Page(parsed, cursor.map(Page::decode));
  }

  public static String encode(String position) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String cursor) {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Invalid cursor");
    }
  }
}
