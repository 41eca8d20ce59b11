package dev.ferry.git;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RepositoryKeyTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "https://github.com/Codertocat/Hello-World.git",
      "https://github.com/Codertocat/Hello-World",
      "https://github.com/codertocat/hello-world/",
      "https://GitHub.com/Codertocat/Hello-World.git/",
      "https://x-access-token@github.com/Codertocat/Hello-World.git",
      "https://github.com:443/Codertocat/Hello-World.git",
      "http://github.com/Codertocat/Hello-World",
      "git@github.com:Codertocat/Hello-World.git",
      "git@github.com:Codertocat/Hello-World",
      "github.com:Codertocat/Hello-World.git",
      "ssh://git@github.com/Codertocat/Hello-World.git",
      "ssh://git@github.com:22/Codertocat/Hello-World.git",
      "git://github.com/Codertocat/Hello-World.git",
      "  https://github.com/Codertocat/Hello-World.git  "})
  void everyFormOfAGitHubUrlHasOneKey(String url) {
    assertEquals(Optional.of("github.com/codertocat/hello-world"), RepositoryKey.of(url));
  }

  @Test
  void otherHostsAndNestedGroupsKeepTheirWholePath() {
    assertEquals(Optional.of("gitlab.com/group/sub/project"),
        RepositoryKey.of("https://gitlab.com/Group/Sub/Project.git"));
    assertEquals(Optional.of("gitlab.com/group/sub/project"), RepositoryKey.of("git@gitlab.com:group/sub/project.git"));
    assertEquals(Optional.of("codeberg.org/a/b"), RepositoryKey.of("https://codeberg.org/a/b"));
  }

  @Test
  void localRepositoriesAreKeyedByTheirNormalizedPath() {
    assertEquals(Optional.of("file:/srv/git/Site.git"), RepositoryKey.of("file:///srv/git/Site.git"));
    assertEquals(Optional.of("file:/srv/git/Site.git"), RepositoryKey.of("file:///srv/git/Site.git/"));
    assertEquals(Optional.of("file:/srv/git/Site.git"), RepositoryKey.of("file:/srv/git/Site.git"));
    assertEquals(Optional.of("file:/srv/git/Site.git"), RepositoryKey.of("/srv/git/other/../Site.git"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "not a url", "https://github.com", "https://github.com/", "ftp://github.com/a/b",
      "ext::sh -c touch% /tmp/pwned", "https://", "git@github.com:"})
  void somethingElseHasNoKey(String url) {
    assertEquals(Optional.empty(), RepositoryKey.of(url));
  }

  @Test
  void nullHasNoKey() {
    assertEquals(Optional.empty(), RepositoryKey.of(null));
  }
}
