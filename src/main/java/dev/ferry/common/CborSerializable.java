package dev.ferry.common;

/** Marker for messages, events and state that Pekko serializes with Jackson CBOR (see serialization.conf). */
public interface CborSerializable {}
