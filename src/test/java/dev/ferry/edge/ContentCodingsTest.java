package dev.ferry.edge;

import static dev.ferry.edge.ContentCodings.BR;
import static dev.ferry.edge.ContentCodings.GZIP;
import static dev.ferry.edge.ContentCodings.IDENTITY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContentCodingsTest {

  @ParameterizedTest(name = "[{0}] with gzip={1} br={2}")
  @CsvSource(delimiter = '|', value = {
      "gzip, deflate, br        | true  | true  | BR",
      "gzip, deflate, br, zstd  | true  | true  | BR",
      "gzip, deflate            | true  | true  | GZIP",
      "br                       | true  | false | IDENTITY",
      "gzip, br                 | true  | false | GZIP",
      "br;q=0, gzip             | true  | true  | GZIP",
      "gzip;q=0, br;q=0         | true  | true  | IDENTITY",
      "gzip;q=1.0, br;q=0.5     | true  | true  | GZIP",
      "gzip;q=0.5, br;q=0.5     | true  | true  | BR",
      "*                        | true  | true  | BR",
      "*;q=0.1, br;q=0          | true  | true  | GZIP",
      "identity                 | true  | true  | IDENTITY",
      "identity;q=1, *;q=0      | true  | true  | IDENTITY",
      "identity;q=0.5, gzip     | true  | true  | GZIP",
      "identity, gzip;q=0.5     | true  | true  | IDENTITY",
      "x-gzip                   | true  | true  | GZIP",
      "deflate                  | true  | true  | IDENTITY",
      "identity;q=0             | true  | true  | IDENTITY",
      "GZIP                     | true  | false | GZIP",
  })
  void picksTheBestAcceptedVariant(String accept, boolean hasGzip, boolean hasBr, String expected) {
    HttpHeader header = HttpHeader.parse("Accept-Encoding", accept);
    assertEquals(code(expected), ContentCodings.choose(header, hasGzip, hasBr), accept);
  }

  @ParameterizedTest
  @CsvSource({"true, true", "false, false"})
  void noHeaderOrAnUnparsedOneMeansIdentity(boolean hasGzip, boolean hasBr) {
    assertEquals(IDENTITY, ContentCodings.choose(null, hasGzip, hasBr));
    assertEquals(IDENTITY, ContentCodings.choose(RawHeader.create("Accept-Encoding", "br"), hasGzip, hasBr));
  }

  private static int code(String name) {
    return switch (name) {
      case "BR" -> BR;
      case "GZIP" -> GZIP;
      default -> IDENTITY;
    };
  }
}
