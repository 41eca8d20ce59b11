package dev.ferry.secrets;

/** A value or key could not be decrypted: wrong key, wrong associated data, tampering or a malformed input. */
public final class SecretBoxException extends RuntimeException {

  public SecretBoxException(String message) {
    super(message);
  }

  public SecretBoxException(String message, Throwable cause) {
    super(message, cause);
  }
}
