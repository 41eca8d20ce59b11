package dev.ferry.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostsTest {

  private final Hosts hosts = new Hosts("ferry.example", "https", 443);

  @Test
  void aBranchAliasIsTheProjectGitAndTheBranchSlug() {
    assertEquals("blog-git-main.ferry.example", hosts.branch("blog", "main"));
    assertEquals("blog-git-feature-login-page", Hosts.branchLabel("blog", "feature/Login_Page"));
    assertEquals("blog-git-fix-123", Hosts.branchLabel("blog", "--fix//#123--"));
    assertEquals("blog-git-dependabot-npm-and-yarn-vite-5-0-1",
        Hosts.branchLabel("blog", "dependabot/npm_and_yarn/vite-5.0.1"));
    assertEquals("https://blog-git-main.ferry.example", hosts.url(hosts.branch("blog", "main")));
  }

  @Test
  void aLabelThatWouldBeTooLongIsCutAndEndsInAHash() {
    String branch = "feature/" + "a-very-long-branch-name-".repeat(4);
    String label = Hosts.branchLabel("blog", branch);
    assertEquals(63, label.length(), label);
    assertTrue(label.startsWith("blog-git-feature-a-very-long-branch-name-"), label);
    assertTrue(label.matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"), label);
    assertNotEquals(label, Hosts.branchLabel("blog", branch + "2"), "branches that share the prefix still differ");
    assertEquals(label, Hosts.branchLabel("blog", branch), "and the same branch always gets the same label");

    String longProject = "p".repeat(63);
    String projectLabel = Hosts.branchLabel(longProject, "main");
    assertTrue(projectLabel.length() <= 63, projectLabel);
    assertTrue(projectLabel.matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"), projectLabel);
  }

  @Test
  void aBranchWithoutLettersOrDigitsStillGetsALabel() {
    String label = Hosts.branchLabel("blog", "___");
    assertTrue(label.matches("^blog-git-[0-9a-f]{6}$"), label);
  }
}
