package dev.ferry.git;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The real GitHub payloads under {@code src/test/resources/github} (from {@code @octokit/webhooks-examples}, see
 * the README there), as text or as a JSON tree to derive variants from.
 */
public final class GitHubPayloads {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the examples' repository is called in every payload. */
  public static final String CLONE_URL = "https://github.com/Codertocat/Hello-World.git";
  public static final String REPOSITORY_KEY = "github.com/codertocat/hello-world";

  private GitHubPayloads() {}

  public static String text(String name) {
    try (InputStream in = GitHubPayloads.class.getResourceAsStream("/github/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("No payload " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode json(String name) {
    try {
      return (ObjectNode) MAPPER.readTree(text(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String write(ObjectNode payload) {
    try {
      return MAPPER.writeValueAsString(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A real push to a branch, moved to {@code branch} and {@code before..after}. */
  public static ObjectNode push(String branch, String before, String after) {
    ObjectNode push = json("push-branch.json");
    push.put("ref", "refs/heads/" + branch);
    push.put("before", before);
    push.put("after", after);
    ((ObjectNode) push.get("head_commit")).put("id", after);
    return push;
  }

  /** The real tag deletion, as the deletion of {@code branch} (the examples have no branch deletion). */
  public static ObjectNode branchDeletion(String branch) {
    ObjectNode deletion = json("push-tag-deleted.json");
    deletion.put("ref", "refs/heads/" + branch);
    return deletion;
  }

  /** Every URL of the payload's repository (and of a pull request's head and base) replaced by {@code url}. */
  public static ObjectNode withRepository(ObjectNode payload, String url) {
    for (ObjectNode repository : new ObjectNode[] {(ObjectNode) payload.get("repository"),
        (ObjectNode) payload.path("pull_request").path("head").get("repo"),
        (ObjectNode) payload.path("pull_request").path("base").get("repo")}) {
      if (repository != null) {
        repository.put("clone_url", url);
        repository.put("ssh_url", url);
        repository.put("html_url", url);
        repository.put("git_url", url);
      }
    }
    return payload;
  }
}
