package dev.ferry.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request body being validated: unknown fields and wrong types are errors, and every problem is collected so
 * that the client sees all of them in one 400 answer.
 */
public final class JsonBody {

  private final ObjectNode node;
  private final List<ApiException.FieldError> errors = new ArrayList<>();

  private JsonBody(ObjectNode node) {
    this.node = node;
  }

  public static JsonBody parse(String text, Set<String> allowedFields) {
    JsonNode parsed;
    try {
      parsed = text.isBlank() ? Json.object() : Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "Malformed JSON: " + e.getOriginalMessage());
    }
    if (!(parsed instanceof ObjectNode object)) {
      throw new ApiException(400, "The request body must be a JSON object");
    }
    JsonBody body = new JsonBody(object);
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!allowedFields.contains(name)) {
        body.error(name, "Unknown field");
      }
    }
    return body;
  }

  public JsonNode node(String field) {
    return node.get(field);
  }

  public boolean has(String field) {
    return node.has(field);
  }

  /** A string field: absent or null gives empty; another type is an error. */
  public Optional<String> string(String field, int maxLength) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      error(field, "Must be a string");
      return Optional.empty();
    }
    if (value.textValue().length() > maxLength) {
      error(field, "Must be at most " + maxLength + " characters");
      return Optional.empty();
    }
    return Optional.of(value.textValue());
  }

  /** An array of strings: absent or null gives empty; another type or a non-string element is an error. */
  public Optional<List<String>> strings(String field, int maxItems, int maxLength) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isArray()) {
      error(field, "Must be an array of strings");
      return Optional.empty();
    }
    if (value.size() > maxItems) {
      error(field, "Must have at most " + maxItems + " items");
      return Optional.empty();
    }
    List<String> items = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual() || item.textValue().length() > maxLength) {
        error(field, "Must be an array of strings of at most " + maxLength + " characters");
        return Optional.empty();
      }
      items.add(item.textValue());
    }
    return Optional.of(List.copyOf(items));
  }

  /** A boolean field: absent or null gives empty; another type is an error. */
  public Optional<Boolean> bool(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      error(field, "Must be true or false");
      return Optional.empty();
    }
    return Optional.of(value.booleanValue());
  }

  public Optional<String> matching(String field, int maxLength, Pattern pattern, String message) {
    Optional<String> value = string(field, maxLength);
    if (value.isPresent() && !pattern.matcher(value.get()).matches()) {
      error(field, message);
      return Optional.empty();
    }
    return value;
  }

  public String required(String field, int maxLength) {
    if (!has(field) || node.get(field).isNull()) {
      error(field, "Is required");
      return null;
    }
    return string(field, maxLength).orElse(null);
  }

  /** A relative path inside the repository: no leading slash, no "..". */
  public Optional<String> relativePath(String field) {
    Optional<String> value = string(field, 1024);
    if (value.isPresent()) {
      String path = value.get();
      boolean escapes = path.startsWith("/") || path.contains("\\") || path.contains("\0")
          || Set.of(path.split("/")).contains("..");
      if (escapes) {
        error(field, "Must be a relative path inside the repository");
        return Optional.empty();
      }
    }
    return value;
  }

  public void error(String field, String message) {
    errors.add(new ApiException.FieldError(field, message));
  }

  /** Throws the collected errors as one 400 answer. */
  public void validate() {
    if (!errors.isEmpty()) {
      throw new ApiException(400, "The request has invalid fields", List.copyOf(errors));
    }
  }
}
