package dev.ferry.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** JSON answers and the list envelope {@code {"items": [...], "next": cursor}}. */
public final class Responses {

  private Responses() {}

  public static HttpResponse json(int status, JsonNode body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.write(body)));
  }

  public static HttpResponse noContent() {
    return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
  }

  public static HttpResponse list(List<? extends JsonNode> items, String next) {
    ObjectNode body = Json.object();
    ArrayNode array = body.putArray("items");
    items.forEach(array::add);
    body.put("next", next);
    return json(200, body);
  }
}
