package dev.ferry.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ByteRangesTest {

  @ParameterizedTest(name = "[{0}] of {1} bytes")
  @CsvSource(delimiter = '|', value = {
      "bytes=0-99         | 1000 | 0   | 99",
      "bytes=100-         | 1000 | 100 | 999",
      "bytes=-100         | 1000 | 900 | 999",
      "bytes=-5000        | 1000 | 0   | 999",
      "bytes=990-2000     | 1000 | 990 | 999",
      "bytes=999-999      | 1000 | 999 | 999",
      "BYTES=1-2          | 1000 | 1   | 2",
      "bytes= 1 - 2       | 1000 | 1   | 2",
  })
  void satisfiableRanges(String header, long size, long first, long last) {
    assertEquals(new ByteRanges.Result(first, last), ByteRanges.parse(header, size));
  }

  @ParameterizedTest(name = "[{0}] of {1} bytes")
  @CsvSource(delimiter = '|', value = {
      "bytes=1000-      | 1000",
      "bytes=5000-6000  | 1000",
      "bytes=-0         | 1000",
      "bytes=0-         | 0",
      "bytes=-10        | 0",
  })
  void unsatisfiableRanges(String header, long size) {
    assertEquals(ByteRanges.UNSATISFIABLE, ByteRanges.parse(header, size));
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(delimiter = '|', value = {
      "bytes=0-1,5-6",
      "items=0-1",
      "bytes=5-1",
      "bytes=a-b",
      "bytes=-",
      "bytes=1",
      "bytes=-1-2",
      "bytes=99999999999999999999-",
  })
  void otherValuesAreIgnored(String header) {
    assertEquals(ByteRanges.IGNORE, ByteRanges.parse(header, 1000));
  }
}
