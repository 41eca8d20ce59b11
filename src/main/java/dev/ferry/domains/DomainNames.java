package dev.ferry.domains;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Custom domain names as users type them, made canonical: IDN to punycode (ASCII), lower case, no trailing dot, at
 * most 253 characters in labels of at most 63 letters, digits and inner hyphens. IP literals, single labels,
 * {@code localhost} and names under Ferry's own base domain are refused.
 */
public final class DomainNames {

  public static final int MAX_LENGTH = 253;
  private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
  private static final Pattern TOP_LEVEL = Pattern.compile("^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$");
  private static final Pattern IPV4 = Pattern.compile("^[0-9]+(\\.[0-9]+){3}$");

  private DomainNames() {}

  /** The canonical name, or why it is not acceptable. */
  public record Result(String name, String error) {
    public boolean valid() {
      return error == null;
    }
  }

  public static Result canonical(String input, String baseDomain) {
    if (input == null || input.isBlank()) {
      return invalid("Must be a domain name");
    }
    if (input.length() > 2 * MAX_LENGTH) {
      return invalid("Must be at most " + MAX_LENGTH + " characters");
    }
    String trimmed = input.strip();
    if (trimmed.contains(":") || trimmed.startsWith("[") || IPV4.matcher(trimmed).matches()) {
      return invalid("Must be a domain name, not an IP address");
    }
    if (trimmed.endsWith(".")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    String ascii;
    try {
      ascii = IDN.toASCII(trimmed, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return invalid("Not a valid domain name: " + e.getMessage());
    }
    if (ascii.length() > MAX_LENGTH) {
      return invalid("Must be at most " + MAX_LENGTH + " characters");
    }
    String[] labels = ascii.split("\\.", -1);
    if (labels.length < 2) {
      return invalid("Must have at least two labels, e.g. example.com");
    }
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return invalid("Each label must be 1 to 63 letters, digits or inner hyphens");
      }
    }
    if (!TOP_LEVEL.matcher(labels[labels.length - 1]).matches()) {
      return invalid("Must end in a top-level domain");
    }
    String base = baseDomain.toLowerCase(Locale.ROOT);
    if (ascii.equals(base) || ascii.endsWith("." + base) || ascii.equals("localhost")
        || ascii.endsWith(".localhost")) {
      return invalid("Names under " + base + " are Ferry's own");
    }
    return new Result(ascii, null);
  }

  /**
   * Whether the name is an apex (registered) domain, which takes A/AAAA records, rather than a subdomain, which
   * takes a CNAME. Without the public suffix list this counts labels, treating two-letter second-level labels under a
   * country code ({@code co.uk}, {@code com.au}) as part of the suffix.
   */
  public static boolean isApex(String canonicalName) {
    String[] labels = canonicalName.split("\\.");
    if (labels.length == 2) {
      return true;
    }
    return labels.length == 3 && labels[2].length() == 2 && labels[1].length() <= 3
        && Optional.of(labels[1]).filter(l -> l.matches("co|com|net|org|gov|edu|ac|or|ne|go")).isPresent();
  }

  private static Result invalid(String message) {
    return new Result(null, message);
  }
}
