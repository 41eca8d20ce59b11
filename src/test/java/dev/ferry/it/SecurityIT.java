package dev.ferry.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Accounts, tokens and authorization over HTTP against a real node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {

  private static final String DASHBOARD_ORIGIN = "https://dash.example.com";

  private final byte[] jwtKey = new byte[32];
  private FerryProcess node;

  @BeforeAll
  void start(@TempDir Path temp) throws Exception {
    new SecureRandom().nextBytes(jwtKey);
    node = new FerryProcess(temp.resolve("data"), Map.of(
        "FERRY_JWT_KEY", Base64.getEncoder().encodeToString(jwtKey),
        "FERRY_RATE_AUTH_PER_ADDRESS", "1000",
        "FERRY_RATE_AUTH_PER_ACCOUNT", "5",
        "FERRY_CORS_ORIGINS", DASHBOARD_ORIGIN)).start();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private ApiClient client() {
    return new ApiClient(node.api(), node.edge());
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
  }

  @Test
  void signUpLogInRefreshAndLogOut() throws Exception {
    ApiClient client = client();
    String email = unique("flow");
    JsonNode signedUp = client.signUp(email);
    assertTrue(signedUp.at("/user/id").asText().startsWith("usr_"));
    assertEquals(email, signedUp.at("/user/email").asText());
    assertEquals(900, signedUp.get("expiresIn").asInt());

    JsonNode user = client.get("/api/v1/user").json();
    assertEquals(email, user.get("email").asText());
    assertEquals(signedUp.at("/user/id").asText(), user.get("id").asText());
    assertNotNull(user.get("createdAt").asText());

    assertEquals(409, client.post("/api/v1/auth/signup", credentials(email)).status());
    assertEquals(401, client.withToken(null).post("/api/v1/auth/login",
        "{\"email\": \"" + email + "\", \"password\": \"not the password at all\"}").status());
    assertEquals(401, client.post("/api/v1/auth/login", credentials(unique("nobody"))).status());

    ApiClient.Response login = client.post("/api/v1/auth/login", credentials(email.toUpperCase()));
    assertEquals(200, login.status(), login.body());
    String refresh = login.json().get("refreshToken").asText();

    ApiClient.Response refreshed = client.post("/api/v1/auth/refresh", "{\"refreshToken\": \"" + refresh + "\"}");
    assertEquals(200, refreshed.status(), refreshed.body());
    String next = refreshed.json().get("refreshToken").asText();
    assertNotEquals(refresh, next);
    String access = refreshed.json().get("accessToken").asText();
    assertEquals(200, client.withToken(access).get("/api/v1/user").status());

    assertEquals(204, client.post("/api/v1/auth/logout", "{}").status());
    assertEquals(401, client.withToken(null).post("/api/v1/auth/refresh",
        "{\"refreshToken\": \"" + next + "\"}").status(), "logout revokes the session's refresh family");
  }

  @Test
  void reusingARefreshTokenRevokesItsWholeFamily() throws Exception {
    ApiClient client = client();
    String refresh = client.signUp(unique("reuse")).get("refreshToken").asText();
    client.withToken(null);

    String second = client.post("/api/v1/auth/refresh", "{\"refreshToken\": \"" + refresh + "\"}").json()
        .get("refreshToken").asText();
    ApiClient.Response replay = client.post("/api/v1/auth/refresh", "{\"refreshToken\": \"" + refresh + "\"}");
    assertEquals(401, replay.status());
    assertTrue(replay.header("Content-Type").startsWith("application/problem+json"));
    assertEquals(401, client.post("/api/v1/auth/refresh", "{\"refreshToken\": \"" + second + "\"}").status(),
        "the newest token of a family dies with the reused one");
    assertEquals(401, client.post("/api/v1/auth/refresh", "{\"refreshToken\": \"ferry_rt_garbage\"}").status());
  }

  @Test
  void forgedExpiredAndMisdirectedAccessTokensAreRejected() throws Exception {
    ApiClient client = client();
    JsonNode account = client.signUp(unique("tokens"));
    String userId = account.at("/user/id").asText();
    String email = account.at("/user/email").asText();
    String good = account.get("accessToken").asText();
    assertEquals(200, client.get("/api/v1/user").status());
    assertEquals(200, client.withToken(mint(jwtKey, JWSAlgorithm.HS256, userId, email, "ferry-api", "ferry",
        Duration.ofMinutes(5))).get("/api/v1/user").status(), "a token the test mints correctly is accepted");

    String[] parts = good.split("\\.");
    String tamperedPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace(userId, "usr_someoneelse").getBytes(StandardCharsets.UTF_8));
    String unsignedHeader = Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    byte[] otherKey = new byte[32];
    new SecureRandom().nextBytes(otherKey);

    List<String> rejected = List.of(
        parts[0] + "." + tamperedPayload + "." + parts[2],
        unsignedHeader + "." + parts[1] + ".",
        mint(jwtKey, JWSAlgorithm.HS256, userId, email, "ferry-api", "ferry", Duration.ofMinutes(-5)),
        mint(jwtKey, JWSAlgorithm.HS256, userId, email, "another-api", "ferry", Duration.ofMinutes(5)),
        mint(jwtKey, JWSAlgorithm.HS256, userId, email, "ferry-api", "someone-else", Duration.ofMinutes(5)),
        mint(otherKey, JWSAlgorithm.HS256, userId, email, "ferry-api", "ferry", Duration.ofMinutes(5)),
        mint(new byte[64], JWSAlgorithm.HS512, userId, email, "ferry-api", "ferry", Duration.ofMinutes(5)),
        "not-a-token");
    for (String token : rejected) {
      ApiClient.Response response = client.withToken(token).get("/api/v1/user");
      assertEquals(401, response.status(), token);
      assertTrue(response.header("WWW-Authenticate").startsWith("Bearer"));
    }
    assertEquals(401, client.withToken(null).get("/api/v1/projects").status());
  }

  @Test
  void apiTokensAreShownOnceListedWithoutTheSecretAndRevocable() throws Exception {
    ApiClient client = client();
    client.signUp(unique("cli"));
    ApiClient.Response created = client.post("/api/v1/tokens", "{\"name\": \"ci\", \"expiresInDays\": 30}");
    assertEquals(201, created.status(), created.body());
    String token = created.json().get("token").asText();
    String tokenId = created.json().get("id").asText();
    assertTrue(token.startsWith("ferry_pat_"));
    assertNotNull(created.json().get("expiresAt").asText());
    assertEquals(400, client.post("/api/v1/tokens", "{\"name\": \"x\", \"expiresInDays\": 0}").status());

    ApiClient.Response list = client.get("/api/v1/tokens");
    assertEquals(200, list.status());
    assertFalse(list.body().contains(token.substring(12)), "the secret is never listed");
    assertEquals(tokenId, list.json().at("/items/0/id").asText());

    ApiClient cli = client().withToken(token);
    assertEquals(201, cli.post("/api/v1/projects", "{\"name\": \"" + projectName("cli") + "\"}").status());
    assertEquals(200, cli.get("/api/v1/user").status());

    assertEquals(204, client.delete("/api/v1/tokens/" + tokenId).status());
    assertEquals(401, cli.get("/api/v1/user").status());
    assertEquals(401, client().withToken(token + "x").get("/api/v1/user").status());
  }

  @Test
  void anotherUsersProjectIsNotFoundOnEveryRoute() throws Exception {
    ApiClient owner = client();
    owner.signUp(unique("owner"));
    String name = projectName("private");
    JsonNode project = owner.post("/api/v1/projects", "{\"name\": \"" + name + "\"}").json();
    String projectId = project.get("id").asText();

    ApiClient stranger = client();
    stranger.signUp(unique("stranger"));
    for (String ref : List.of(name, projectId)) {
      String base = "/api/v1/projects/" + ref;
      List<ApiClient.Response> answers = List.of(
          stranger.get(base),
          stranger.patch(base, "{\"buildCommand\": \"evil\"}"),
          stranger.delete(base),
          stranger.get(base + "/deployments"),
          stranger.post(base + "/deployments", "{}"),
          stranger.post(base + "/promote", "{\"deploymentId\": \"abc\"}"),
          stranger.post(base + "/rollback", "{}"),
          stranger.get(base + "/env"),
          stranger.post(base + "/env", "{\"key\": \"A\", \"value\": \"b\", \"targets\": [\"production\"], "
              + "\"type\": \"plain\"}"),
          stranger.get(base + "/env/anything"),
          stranger.delete(base + "/env/anything"));
      for (ApiClient.Response answer : answers) {
        assertEquals(404, answer.status(), answer.raw().request().method() + " " + answer.raw().uri() + ": "
            + answer.body());
        assertFalse(answer.body().contains(projectId) && !ref.equals(projectId), answer.body());
      }
    }
    assertEquals(0, stranger.get("/api/v1/projects").json().get("items").size());
    assertEquals(200, owner.get("/api/v1/projects/" + name).status(), "the owner still has it, unchanged");
    assertNull(owner.get("/api/v1/projects/" + name).json().get("buildCommand").textValue());
  }

  @Test
  void anotherUsersDeploymentIsNotFound() throws Exception {
    ApiClient owner = client();
    owner.signUp(unique("deployer"));
    String name = projectName("deployed");
    owner.post("/api/v1/projects", "{\"name\": \"" + name + "\", \"gitRepoUrl\": \"https://127.0.0.1:1/x.git\"}");
    String deploymentId = owner.post("/api/v1/projects/" + name + "/deployments", "{}").json().get("id").asText();

    ApiClient stranger = client();
    stranger.signUp(unique("peeker"));
    for (ApiClient.Response answer : List.of(
        stranger.get("/api/v1/deployments/" + deploymentId),
        stranger.post("/api/v1/deployments/" + deploymentId + "/cancel", "{}"),
        stranger.get("/api/v1/deployments/" + deploymentId + "/logs"))) {
      assertEquals(404, answer.status(), answer.body());
    }
    assertEquals(200, owner.get("/api/v1/deployments/" + deploymentId).status());
  }

  @Test
  void cookieSessionsNeedTheCsrfHeaderToChangeState() throws Exception {
    ApiClient client = client();
    ApiClient.Response signup = client.post("/api/v1/auth/signup", credentials(unique("browser")));
    List<String> cookies = signup.raw().headers().allValues("Set-Cookie");
    String session = cookieValue(cookies, "ferry_session");
    String csrf = cookieValue(cookies, "ferry_csrf");
    assertTrue(cookies.stream().anyMatch(c -> c.startsWith("ferry_session=") && c.contains("HttpOnly")
        && c.contains("SameSite=Strict")), cookies.toString());
    String cookieHeader = "ferry_session=" + session + "; ferry_csrf=" + csrf;
    String body = "{\"name\": \"" + projectName("cookie") + "\"}";

    assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/user"))
        .header("Cookie", cookieHeader).GET()).status());
    assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/projects"))
        .header("Cookie", cookieHeader).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))).status());
    assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/projects"))
        .header("Cookie", cookieHeader).header("X-CSRF-Token", "wrong").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))).status());
    assertEquals(201, client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/projects"))
        .header("Cookie", cookieHeader).header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))).status());

    // The refresh cookie rotates the session only with the CSRF header too.
    String refreshCookie = "ferry_refresh=" + cookieValue(cookies, "ferry_refresh") + "; ferry_csrf=" + csrf;
    assertEquals(403, client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/auth/refresh"))
        .header("Cookie", refreshCookie).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}"))).status());
    ApiClient.Response refreshed = client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/auth/refresh"))
        .header("Cookie", refreshCookie).header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertEquals(200, refreshed.status(), refreshed.body());
    assertTrue(refreshed.raw().headers().allValues("Set-Cookie").stream().anyMatch(c -> c.startsWith("ferry_session=")));

    // WebSockets are outside CORS: with the cookie, only the API's own origin may open one (a deployed site may not).
    assertEquals("403", webSocketHandshake(cookieHeader, "http://evil.localhost:8080"));
    assertEquals("403", webSocketHandshake(cookieHeader, null));
    assertEquals("404", webSocketHandshake(cookieHeader, node.api()), "own origin: on to the route (no such deployment)");
  }

  /** The status code a cookie-authenticated WebSocket handshake for a build log gets, sent over a plain socket. */
  private String webSocketHandshake(String cookieHeader, String origin) throws Exception {
    URI api = URI.create(node.api());
    try (java.net.Socket socket = new java.net.Socket(api.getHost(), api.getPort())) {
      socket.setSoTimeout(10_000);
      String request = "GET /api/v1/deployments/dpl_none/logs/ws HTTP/1.1\r\n"
          + "Host: " + api.getHost() + ":" + api.getPort() + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + (origin == null ? "" : "Origin: " + origin + "\r\n")
          + "Cookie: " + cookieHeader + "\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          java.nio.charset.StandardCharsets.US_ASCII)).readLine();
      return statusLine.split(" ")[1];
    }
  }

  @Test
  void loginsAreRateLimitedPerAccountWithRetryAfter() throws Exception {
    ApiClient client = client();
    String email = unique("limited");
    client.signUp(email);
    ApiClient.Response last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      last = client.post("/api/v1/auth/login", "{\"email\": \"" + email + "\", \"password\": \"wrong password!!\"}");
      if (last.status() == 429) {
        break;
      }
      assertEquals(401, last.status());
    }
    assertEquals(429, last.status(), "the account's login limit (5 a minute, sign-up included) ends in 429");
    assertTrue(Integer.parseInt(last.header("Retry-After")) >= 1);
    assertEquals(429, last.json().get("status").asInt());
  }

  @Test
  void oversizedBodiesAreRejectedWith413() throws Exception {
    ApiClient client = client();
    client.signUp(unique("big"));
    String huge = "{\"name\": \"" + "a".repeat(2 * 1024 * 1024) + "\"}";
    ApiClient.Response response = client.post("/api/v1/projects", huge);
    assertEquals(413, response.status(), response.body());
    assertTrue(response.header("Content-Type").startsWith("application/problem+json"));
  }

  @Test
  void onlyConfiguredOriginsPassCorsAndEveryAnswerCarriesSecurityHeaders() throws Exception {
    ApiClient client = client();
    ApiClient.Response allowed = client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/projects"))
        .header("Origin", DASHBOARD_ORIGIN).header("Access-Control-Request-Method", "POST")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertEquals(204, allowed.status());
    assertEquals(DASHBOARD_ORIGIN, allowed.header("Access-Control-Allow-Origin"));
    assertTrue(allowed.header("Access-Control-Allow-Headers").contains("Authorization"));

    ApiClient.Response refused = client.send(HttpRequest.newBuilder(URI.create(node.api() + "/api/v1/projects"))
        .header("Origin", "https://evil.example.com").header("Access-Control-Request-Method", "POST")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertEquals(403, refused.status());
    assertNull(refused.header("Access-Control-Allow-Origin"));

    ApiClient.Response plain = client.get("/api/v1/projects");
    assertEquals(401, plain.status());
    assertEquals("nosniff", plain.header("X-Content-Type-Options"));
    assertTrue(plain.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
    assertEquals("DENY", plain.header("X-Frame-Options"));
  }

  @Test
  void closedInstallationsRefuseSignUpAndLetTheConfiguredAdminIn(@TempDir Path closedDir) throws Exception {
    try (FerryProcess closed = new FerryProcess(closedDir.resolve("data"), Map.of(
        "FERRY_SIGNUP_ENABLED", "false",
        "FERRY_ADMIN_EMAIL", "admin@example.com",
        "FERRY_ADMIN_PASSWORD", ApiClient.PASSWORD,
        "FERRY_RATE_AUTH_PER_ADDRESS", "4")).start()) {
      ApiClient client = new ApiClient(closed.api(), closed.edge());
      assertEquals(403, client.post("/api/v1/auth/signup", credentials(unique("outsider"))).status());
      ApiClient.Response login = ApiClient.await(Duration.ofSeconds(10),
          () -> client.post("/api/v1/auth/login", credentials("admin@example.com")), r -> r.status() != 401);
      assertEquals(200, login.status(), login.body());
      ApiClient.Response limited = null;
      for (int attempt = 0; attempt < 6 && (limited == null || limited.status() != 429); attempt++) {
        limited = client.post("/api/v1/auth/login", credentials(unique("guess")));
      }
      assertEquals(429, limited.status(), "per-address limit on a node allowing 4 attempts a minute");
      assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
    }
  }

  private static String credentials(String email) {
    return "{\"email\": \"" + email + "\", \"password\": \"" + ApiClient.PASSWORD + "\"}";
  }

  private static String projectName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String cookieValue(List<String> setCookies, String name) {
    return setCookies.stream().filter(c -> c.startsWith(name + "=")).findFirst()
        .map(c -> c.substring(name.length() + 1, c.indexOf(';'))).orElseThrow();
  }

  private static String mint(byte[] key, JWSAlgorithm algorithm, String userId, String email, String audience,
      String issuer, Duration validFor) throws Exception {
    Instant now = Instant.now();
    JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(userId).claim("email", email).audience(audience)
        .issuer(issuer).issueTime(Date.from(now.minusSeconds(600))).expirationTime(Date.from(now.plus(validFor)))
        .jwtID(UUID.randomUUID().toString()).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }
}
