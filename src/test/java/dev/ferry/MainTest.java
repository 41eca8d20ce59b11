package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.ferry.secrets.MasterKeyring;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rotate-master-key}, without starting a JVM. */
class MainTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void rotateMasterKeyReplacesTheKeyFileAndSaysWhatItDid(@TempDir Path dataDir) {
    String before = MasterKeyring.loadOrCreate(dataDir, Optional.empty()).currentKeyId();

    int exit = rotate(settings(dataDir, ""));

    assertEquals(0, exit, text(err));
    MasterKeyring after = MasterKeyring.loadOrCreate(dataDir, Optional.empty());
    assertTrue(after.keyIds().contains(before));
    String printed = text(out);
    assertTrue(printed.contains("current key  " + after.currentKeyId()), printed);
    assertTrue(printed.contains("retired key  " + before), printed);
    assertTrue(printed.contains("master-retired-" + before + ".key"), printed);
  }

  @Test
  void withAMasterKeyFromTheEnvironmentItExplainsTheRotationAndChangesNothing(@TempDir Path dataDir) {
    String key = Base64.getEncoder().encodeToString(new byte[32]);

    int exit = rotate(settings(dataDir, key));

    assertEquals(1, exit);
    String printed = text(err);
    assertTrue(printed.contains("FERRY_MASTER_KEY_RETIRED"), printed);
    assertTrue(printed.contains("Nothing was changed"), printed);
    assertFalse(printed.contains(key), "the key is never printed");
    assertFalse(Files.exists(dataDir.resolve("keys")));
  }

  @Test
  void withoutAKeyFileItFails(@TempDir Path dataDir) {
    assertEquals(1, rotate(settings(dataDir, "")));
    assertTrue(text(err).contains("not rotated"), text(err));
  }

  private int rotate(FerrySettings settings) {
    return Main.rotateMasterKey(settings, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static FerrySettings settings(Path dataDir, String masterKey) {
    return FerrySettings.from(ConfigFactory.load()
        .withValue("ferry.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
        .withValue("ferry.secrets.master-key", ConfigValueFactory.fromAnyRef(masterKey)));
  }

  private static String text(ByteArrayOutputStream stream) {
    return stream.toString(StandardCharsets.UTF_8);
  }
}
