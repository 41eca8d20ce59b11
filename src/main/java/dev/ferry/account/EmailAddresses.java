package dev.ferry.account;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * E-mail addresses as account ids: normalized (trimmed, lower-cased) so that one mailbox is one account, and
 * checked by a pragmatic rule (RFC 5321 lengths, dot-atom local part, DNS host name) rather than the full RFC 5322
 * grammar, which admits quoted strings and comments nobody signs up with.
 */
final class EmailAddresses {

  static final int MAX_LENGTH = 254;
  private static final int MAX_LOCAL_PART_LENGTH = 64;

  // No '|': it separates the entity type from the id in a persistence id.
  private static final Pattern LOCAL_PART = Pattern.compile("[a-z0-9!#$%&'*+/=?^_`{}~-]+(\\.[a-z0-9!#$%&'*+/=?^_`{}~-]+)*");
  private static final Pattern DOMAIN = Pattern.compile(
      "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})");

  private EmailAddresses() {}

  static String normalize(String email) {
    return email == null ? null : email.trim().toLowerCase(Locale.ROOT);
  }

  /** Whether {@code email}, already normalized, is an address Ferry accepts as an account id. */
  static boolean isValid(String email) {
    if (email == null || email.isEmpty() || email.length() > MAX_LENGTH) {
      return false;
    }
    int at = email.lastIndexOf('@');
    if (at <= 0 || at > MAX_LOCAL_PART_LENGTH || at == email.length() - 1) {
      return false;
    }
    return LOCAL_PART.matcher(email.substring(0, at)).matches()
        && DOMAIN.matcher(email.substring(at + 1)).matches();
  }
}
