package dev.ferry.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** GitHub's own example payloads, read as Ferry reads a verified delivery. */
class GitHubEventTest {

  private static final Set<String> REPOSITORY = Set.of(GitHubPayloads.REPOSITORY_KEY);

  @Test
  void aBranchPushDeploysItsCommitWithMessageAndAuthor() {
    var deploy = assertInstanceOf(GitHubEvent.Deploy.class,
        GitHubEvent.parse("push", GitHubPayloads.text("push-branch.json")));
    assertEquals(REPOSITORY, deploy.repositories());
    assertEquals("master", deploy.branch());
    assertEquals("6113728f27ae82c7b1a177c8d03f9e96e0adf246", deploy.sha());
    assertEquals("Initial commit", deploy.message());
    assertEquals("Codertocat <21031067+Codertocat@users.noreply.github.com>", deploy.author());
    assertNull(deploy.pushKey(), "a push that creates the branch has no before commit");
    assertEquals("push to master", deploy.description());
  }

  @Test
  void aPushToAnotherBranchNamesThatBranchAndItsBeforeAndAfter() {
    String before = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
    String after = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    var deploy = assertInstanceOf(GitHubEvent.Deploy.class,
        GitHubEvent.parse("push", GitHubPayloads.write(GitHubPayloads.push("feature/Login-Page", before, after))));
    assertEquals("feature/Login-Page", deploy.branch());
    assertEquals(after, deploy.sha());
    assertEquals(before + ".." + after, deploy.pushKey());
  }

  @Test
  void tagPushesAndDeletionsAreIgnoredWithAReason() {
    var tag = assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("push", GitHubPayloads.text("push-tag.json")));
    assertTrue(tag.reason().contains("Tag pushes") && tag.reason().contains("simple-tag"), tag.reason());
    var tagDeleted = assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("push", GitHubPayloads.text("push-tag-deleted.json")));
    assertTrue(tagDeleted.reason().contains("Tag pushes"), tagDeleted.reason());
    var branchDeleted = assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("push", GitHubPayloads.write(GitHubPayloads.branchDeletion("feature"))));
    assertTrue(branchDeleted.reason().contains("feature was deleted"), branchDeleted.reason());
  }

  @Test
  void pullRequestsOpenedSynchronizedAndReopenedDeployTheHeadCommit() {
    String head = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
    for (String action : new String[] {"opened", "synchronize", "reopened"}) {
      var deploy = assertInstanceOf(GitHubEvent.Deploy.class,
          GitHubEvent.parse("pull_request", GitHubPayloads.text("pull_request-" + action + ".json")), action);
      assertEquals(REPOSITORY, deploy.repositories());
      assertEquals("changes", deploy.branch());
      assertEquals(head, deploy.sha());
      assertEquals("pull request #2 " + action, deploy.description());
      if (action.equals("synchronize")) {
        assertEquals("f95f852bd8fca8fcc58a9a2d6c842781e32a215e.." + head, deploy.pushKey(),
            "the same key as the push that caused it");
      } else {
        assertNull(deploy.pushKey());
      }
    }
  }

  @Test
  void aClosedPullRequestClosesItsBranch() {
    var close = assertInstanceOf(GitHubEvent.CloseBranch.class,
        GitHubEvent.parse("pull_request", GitHubPayloads.text("pull_request-closed.json")));
    assertEquals(REPOSITORY, close.repositories());
    assertEquals("changes", close.branch());
    assertEquals(2, close.pullRequest());
  }

  @Test
  void pullRequestsFromForksAreNotDeployed() {
    ObjectNode fork = GitHubPayloads.json("pull_request-opened.json");
    ((ObjectNode) fork.path("pull_request").path("head").path("repo")).put("full_name", "Mallory/Hello-World");
    var ignored = assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("pull_request", GitHubPayloads.write(fork)));
    assertTrue(ignored.reason().contains("fork"), ignored.reason());
  }

  @Test
  void otherPullRequestActionsAndEventsAreIgnored() {
    ObjectNode labeled = GitHubPayloads.json("pull_request-opened.json");
    labeled.put("action", "labeled");
    assertTrue(assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("pull_request", GitHubPayloads.write(labeled))).reason().contains("labeled"));
    var issues = assertInstanceOf(GitHubEvent.Ignore.class,
        GitHubEvent.parse("issues", GitHubPayloads.text("issues-opened.json")));
    assertTrue(issues.reason().contains("issues"), issues.reason());
  }

  @Test
  void pingIsAPing() {
    var ping = assertInstanceOf(GitHubEvent.Ping.class, GitHubEvent.parse("ping", GitHubPayloads.text("ping.json")));
    assertEquals("Anything added dilutes everything else.", ping.zen());
  }

  @Test
  void unknownFieldsAreIgnoredAndMissingOnesAreNotDeployed() {
    ObjectNode push = GitHubPayloads.json("push-branch.json");
    push.put("something_new", 42);
    push.putObject("nested").put("a", "b");
    assertInstanceOf(GitHubEvent.Deploy.class, GitHubEvent.parse("push", GitHubPayloads.write(push)));
    push.remove("head_commit");
    var withoutHead = assertInstanceOf(GitHubEvent.Deploy.class,
        GitHubEvent.parse("push", GitHubPayloads.write(push)));
    assertNull(withoutHead.message());
    push.remove("after");
    assertInstanceOf(GitHubEvent.Ignore.class, GitHubEvent.parse("push", GitHubPayloads.write(push)));
    assertInstanceOf(GitHubEvent.Ignore.class, GitHubEvent.parse("push", "{}"));
    assertInstanceOf(GitHubEvent.Ignore.class, GitHubEvent.parse("pull_request", "{\"action\": \"opened\"}"));
  }

  @Test
  void whatIsNotAJsonObjectIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> GitHubEvent.parse("push", "{\"ref\": "));
    assertThrows(IllegalArgumentException.class, () -> GitHubEvent.parse("push", "[1, 2]"));
    assertThrows(IllegalArgumentException.class, () -> GitHubEvent.parse("push", ""));
  }
}
