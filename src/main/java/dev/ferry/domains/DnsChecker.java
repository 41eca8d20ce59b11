package dev.ferry.domains;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Checks a domain's ownership record, {@code _ferry-challenge.<domain>} TXT holding the domain's token, with dnsjava
 * against the configured resolver (or the system's). Every check asks afresh: nothing is cached between checks.
 * Blocking: call it off the actor and HTTP threads.
 */
public final class DnsChecker {

  public static final String CHALLENGE_LABEL = "_ferry-challenge";

  private final Resolver resolver;

  public DnsChecker(String resolverAddress, Duration timeout) {
    try {
      this.resolver = resolverAddress == null || resolverAddress.isBlank()
          ? new ExtendedResolver()
          : simple(resolverAddress.trim());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("Unknown DNS resolver " + resolverAddress, e);
    }
    resolver.setTimeout(timeout);
  }

  private static Resolver simple(String address) throws UnknownHostException {
    int colon = address.lastIndexOf(':');
    boolean hasPort = colon > 0 && address.indexOf(':') == colon;
    SimpleResolver simple = new SimpleResolver(hasPort ? address.substring(0, colon) : address);
    if (hasPort) {
      simple.setPort(Integer.parseInt(address.substring(colon + 1)));
    }
    return simple;
  }

  /** What a check found: whether the record holds the token, and in words what was there. */
  public record Finding(boolean verified, String detail) {}

  public static String recordName(String domain) {
    return CHALLENGE_LABEL + "." + domain;
  }

  public Finding check(String domain, String token) {
    String recordName = recordName(domain);
    Lookup lookup;
    try {
      lookup = new Lookup(Name.fromString(recordName + "."), Type.TXT, DClass.IN);
    } catch (TextParseException e) {
      return new Finding(false, "Not a DNS name: " + recordName);
    }
    lookup.setResolver(resolver);
    lookup.setCache(new Cache(DClass.IN));
    Record[] records = lookup.run();
    if (lookup.getResult() == Lookup.TRY_AGAIN || lookup.getResult() == Lookup.UNRECOVERABLE) {
      return new Finding(false, "DNS lookup of " + recordName + " TXT failed: " + lookup.getErrorString());
    }
    List<String> values = new ArrayList<>();
    for (Record record : records == null ? new Record[0] : records) {
      if (record instanceof TXTRecord txt) {
        String value = String.join("", txt.getStrings());
        if (value.equals(token)) {
          return new Finding(true, "TXT " + recordName + " holds the token");
        }
        values.add(value.length() > 100 ? value.substring(0, 100) + "…" : value);
      }
    }
    if (values.isEmpty()) {
      return new Finding(false, "No TXT record " + recordName + " found");
    }
    return new Finding(false, "TXT " + recordName + " holds " + values.size()
        + " value(s), none of them the domain's token: " + String.join(", ", values.subList(0, Math.min(3,
        values.size()))));
  }
}
