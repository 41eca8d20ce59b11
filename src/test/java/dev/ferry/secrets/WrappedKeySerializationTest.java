package dev.ferry.secrets;

import dev.ferry.testing.EntityTests;
import java.security.SecureRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A wrapped key goes into Project events and state, so it must survive Pekko's Jackson CBOR serialization. */
class WrappedKeySerializationTest {

  private static final ActorTestKit actorTestKit = EntityTests.actorTestKit(WrappedKeySerializationTest.class);

  @AfterAll
  static void shutdown() {
    actorTestKit.shutdownTestKit();
  }

  @Test
  void aWrappedKeyRoundTripsAsCbor() {
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    WrappedKey wrapped = new SecretBox(MasterKeyring.of(masterKey)).newDataKey();

    new SerializationTestKit(actorTestKit.system()).verifySerialization(wrapped, true);
  }
}
