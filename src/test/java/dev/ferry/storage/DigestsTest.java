package dev.ferry.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestsTest {

  @Test
  void hashesBytesAsLowerCaseHex() {
    assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digests.sha256(new byte[0]));
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        Digests.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void hashesAFileLikeItsBytes(@TempDir Path dir) throws Exception {
    byte[] data = new byte[300_000];
    new Random(7).nextBytes(data);
    Path file = Files.write(dir.resolve("data.bin"), data);

    assertEquals(Digests.sha256(data), Digests.sha256(file));
  }

  @Test
  void recognisesBlobKeys() {
    assertTrue(Digests.isSha256Hex(Digests.sha256(new byte[0])));
    assertFalse(Digests.isSha256Hex(Digests.sha256(new byte[0]).toUpperCase()));
    assertFalse(Digests.isSha256Hex("abc"));
    assertFalse(Digests.isSha256Hex(null));
  }
}
