package dev.ferry.git;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a GitHub webhook delivery asks of Ferry, read from its (already verified) payload. Reading is tolerant: only
 * the fields below are looked at, anything else is ignored, and a missing field is the same as an absent value.
 *
 * <ul>
 *   <li>{@code ping} → {@link Ping};
 *   <li>{@code push} of a branch → {@link Deploy} of the pushed commit; tag pushes and deletions → {@link Ignore};
 *   <li>{@code pull_request} {@code opened}, {@code synchronize}, {@code reopened} → {@link Deploy} of the head
 *       commit; {@code closed} → {@link CloseBranch}; pull requests from forks and other actions → {@link Ignore};
 *   <li>any other event → {@link Ignore}.
 * </ul>
 */
public sealed interface GitHubEvent {

  /** GitHub's check that the hook works. */
  record Ping(String zen) implements GitHubEvent {}

  /**
   * Deploy {@code sha} of {@code branch} in the projects that build one of {@code repositories} ({@link RepositoryKey}s).
   * {@code pushKey} names the push ({@code before..after}) when it is known, so that the push event and the
   * pull request's {@code synchronize} for the same push make one deployment, not two; null when there is none.
   */
  record Deploy(Set<String> repositories, String branch, String sha, String message, String author, String pushKey,
      String description) implements GitHubEvent {}

  /** A pull request was closed: its branch's preview alias goes. */
  record CloseBranch(Set<String> repositories, String branch, long pullRequest) implements GitHubEvent {}

  /** Nothing to do, and why. */
  record Ignore(String reason) implements GitHubEvent {}

  ObjectMapper MAPPER = new ObjectMapper();
  Pattern SHA = Pattern.compile("^[0-9a-f]{40}$");
  Pattern BRANCH = Pattern.compile("^(?!-)(?!/)(?!.*\\.\\.)[A-Za-z0-9._/-]{1,255}$");
  String ZERO_SHA = "0".repeat(40);
  int MAX_MESSAGE = 4096;

  /** @throws IllegalArgumentException when the payload is not a JSON object */
  static GitHubEvent parse(String event, String payload) {
    JsonNode root;
    try {
      root = MAPPER.readTree(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("The payload is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("The payload is not a JSON object");
    }
    return switch (event) {
      case "ping" -> new Ping(text(root, "zen"));
      case "push" -> push(root);
      case "pull_request" -> pullRequest(root);
      default -> new Ignore("The " + event + " event does not deploy anything");
    };
  }

  private static GitHubEvent push(JsonNode root) {
    String ref = text(root, "ref");
    if (ref == null) {
      return new Ignore("The push names no ref");
    }
    if (ref.startsWith("refs/tags/")) {
      return new Ignore("Tag pushes are not deployed (" + ref.substring("refs/tags/".length()) + ")");
    }
    if (!ref.startsWith("refs/heads/")) {
      return new Ignore("Only branch pushes are deployed (" + ref + ")");
    }
    String branch = ref.substring("refs/heads/".length());
    String after = lower(text(root, "after"));
    if (root.path("deleted").asBoolean(false) || ZERO_SHA.equals(after)) {
      return new Ignore("Branch " + branch + " was deleted; its deployments stay as they are");
    }
    if (!BRANCH.matcher(branch).matches()) {
      return new Ignore("Branch name " + branch + " is not deployed (unsupported characters)");
    }
    if (after == null || !SHA.matcher(after).matches()) {
      return new Ignore("The push names no commit");
    }
    JsonNode head = root.path("head_commit");
    String before = lower(text(root, "before"));
    return new Deploy(repositories(root.path("repository")), branch, after, message(text(head, "message")),
        author(head.path("author")), pushKey(before, after), "push to " + branch);
  }

  private static GitHubEvent pullRequest(JsonNode root) {
    String action = String.valueOf(text(root, "action"));
    JsonNode pr = root.path("pull_request");
    long number = root.path("number").asLong(pr.path("number").asLong(0));
    JsonNode head = pr.path("head");
    String branch = text(head, "ref");
    String sha = lower(text(head, "sha"));
    if (!List.of("opened", "synchronize", "reopened", "closed").contains(action)) {
      return new Ignore("Pull request action " + action + " does not deploy anything");
    }
    String headRepo = text(head.path("repo"), "full_name");
    String baseRepo = text(pr.path("base").path("repo"), "full_name");
    if (headRepo == null || baseRepo == null || !headRepo.equalsIgnoreCase(baseRepo)) {
      return new Ignore("Pull request #" + number + " comes from a fork (" + headRepo
          + "); forks are not deployed automatically");
    }
    if (branch == null || !BRANCH.matcher(branch).matches()) {
      return new Ignore("Pull request #" + number + " has no deployable branch");
    }
    Set<String> repositories = repositories(root.path("repository"));
    if (action.equals("closed")) {
      return new CloseBranch(repositories, branch, number);
    }
    if (sha == null || !SHA.matcher(sha).matches()) {
      return new Ignore("Pull request #" + number + " names no head commit");
    }
    // A synchronize comes with the push event for the same commits: both name the same before..after.
    String pushKey = action.equals("synchronize") ? pushKey(lower(text(root, "before")), sha) : null;
    return new Deploy(repositories, branch, sha, null, null, pushKey, "pull request #" + number + " " + action);
  }

  /** The repository's URLs as {@link RepositoryKey}s: clone (https), ssh and web addresses. */
  private static Set<String> repositories(JsonNode repository) {
    Set<String> keys = new LinkedHashSet<>();
    for (String field : List.of("clone_url", "ssh_url", "html_url")) {
      RepositoryKey.of(text(repository, field)).ifPresent(keys::add);
    }
    return Set.copyOf(keys);
  }

  private static String pushKey(String before, String after) {
    return before != null && SHA.matcher(before).matches() && !before.equals(ZERO_SHA) ? before + ".." + after : null;
  }

  private static String message(String message) {
    if (message == null) {
      return null;
    }
    String stripped = message.strip();
    return stripped.length() <= MAX_MESSAGE ? stripped : stripped.substring(0, MAX_MESSAGE);
  }

  /** {@code Name <email>}, as a checkout records a commit's author. */
  private static String author(JsonNode author) {
    String name = text(author, "name");
    String email = text(author, "email");
    if (name == null) {
      return null;
    }
    return email == null ? name : name + " <" + email + ">";
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value != null && value.isTextual() ? value.textValue() : null;
  }

  private static String lower(String value) {
    return value == null ? null : value.toLowerCase(Locale.ROOT);
  }
}
