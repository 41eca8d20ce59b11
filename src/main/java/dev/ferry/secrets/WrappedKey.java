package dev.ferry.secrets;

import dev.ferry.common.CborSerializable;

/**
 * A project's data key encrypted ("wrapped") under a master key: safe to store in events and state. Only a
 * {@link SecretBox} whose {@link MasterKeyring} holds {@code masterKeyId} can unwrap it.
 */
public record WrappedKey(String masterKeyId, String wrappedBase64) implements CborSerializable {}
