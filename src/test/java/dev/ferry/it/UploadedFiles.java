package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A source folder made in memory and deployed through the upload API (no Git): POST /api/v1/files, then files. */
public final class UploadedFiles {

  private final Map<String, byte[]> files = new LinkedHashMap<>();

  public UploadedFiles add(String path, String content) {
    files.put(path, content.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  public UploadedFiles add(String path, byte[] content) {
    files.put(path, content);
    return this;
  }

  private boolean prebuilt;

  /** Deploys the files as a prebuilt output ({@code ferry deploy --prebuilt}): nothing is built. */
  public UploadedFiles prebuilt() {
    prebuilt = true;
    return this;
  }

  /** Uploads what the server lacks and deploys to {@code target}; answers the finished deployment. */
  public JsonNode deploy(ApiClient api, String project, String target, String state) throws Exception {
    ArrayNode list = ApiClient.JSON.createArrayNode();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file.getValue()));
      ApiClient.Response uploaded = api.send(HttpRequest.newBuilder(URI.create(api.api() + "/api/v1/files"))
          .header("X-Ferry-Digest", digest).header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofByteArray(file.getValue())));
      assertTrue(uploaded.status() == 201 || uploaded.status() == 200, uploaded.body());
      list.addObject().put("path", file.getKey()).put("sha256", digest).put("size", file.getValue().length);
    }
    ObjectNode body = ApiClient.JSON.createObjectNode();
    body.set("files", list);
    body.put("target", target);
    if (prebuilt) {
      body.put("prebuilt", true);
    }
    ApiClient.Response accepted = api.post("/api/v1/projects/" + project + "/deployments",
        ApiClient.JSON.writeValueAsString(body));
    assertTrue(accepted.status() == 202, accepted.body());
    String id = accepted.json().get("id").asText();
    JsonNode finished = ApiClient.await(Duration.ofSeconds(180), () -> api.get("/api/v1/deployments/" + id).json(),
        deployment -> java.util.Set.of("READY", "ERROR", "CANCELED").contains(deployment.get("state").asText()));
    if (!state.equals(finished.get("state").asText())) {
      throw new AssertionError("Deployment " + id + " ended " + finished.get("state").asText() + ", not " + state
          + "; its log:\n" + api.get("/api/v1/deployments/" + id + "/logs").body());
    }
    if (state.equals("READY")) {
      // READY is recorded before the routing projection has published the deployment's host to the edge.
      String host = URI.create(finished.get("url").asText()).getHost();
      ApiClient.await(Duration.ofSeconds(30), () -> api.edge("GET", host, "/").body(),
          page -> !page.contains("No deployment at"));
    }
    return finished;
  }
}
