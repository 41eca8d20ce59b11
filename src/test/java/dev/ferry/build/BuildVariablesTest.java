package dev.ferry.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.common.Initiator;
import dev.ferry.project.EnvVar;
import dev.ferry.project.EnvVarValues;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectCredentials;
import dev.ferry.secrets.MasterKeyring;
import dev.ferry.secrets.SecretBox;
import dev.ferry.secrets.WrappedKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildVariablesTest {

  private static final String PROJECT_ID = "prj_vars";
  private static final SecretBox SECRETS = new SecretBox(MasterKeyring.of(randomKey()));
  private static final WrappedKey DATA_KEY = SECRETS.newDataKey();

  private final List<EnvVar> envVars = new ArrayList<>();

  @Test
  void theBuildTimeVariablesOfTheTargetAreInjected() throws BuildFailure {
    add("API_URL", EnvVar.PLAIN, true, "https://api.example.com", "production", "preview");
    add("PREVIEW_ONLY", EnvVar.PLAIN, true, "preview value", "preview");
    add("RUNTIME_ONLY", EnvVar.PLAIN, false, "runtime value", "production");
    add("TOKEN", EnvVar.SECRET, true, "tok-production", "production");

    assertEquals(Map.of("API_URL", "https://api.example.com", "TOKEN", "tok-production"),
        BuildVariables.of(SECRETS, project(), "production").env());
    assertEquals(Map.of("API_URL", "https://api.example.com", "PREVIEW_ONLY", "preview value"),
        BuildVariables.of(SECRETS, project(), "preview").env());
  }

  @Test
  void theSecretsOfEveryTargetAreMaskedButPlainValuesAreNot() throws BuildFailure {
    add("PROD_TOKEN", EnvVar.SECRET, true, "prod-secret-value", "production");
    add("PREVIEW_TOKEN", EnvVar.SECRET, false, "preview-secret-value", "preview");
    add("API_URL", EnvVar.PLAIN, true, "https://api.example.com", "preview");

    BuildVariables preview = BuildVariables.of(SECRETS, project(), "preview");

    assertEquals("a=*** b=*** c=https://api.example.com",
        preview.masker().mask("a=prod-secret-value b=preview-secret-value c=https://api.example.com"));
  }

  @Test
  void theGitAccessTokenIsOpenedForTheCheckoutAndMaskedInTheLog() throws BuildFailure {
    String token = "github_pat_0123456789abcdef";
    Project.State bare = project();
    Project.State withToken = withCredential(bare, ProjectCredentials.seal(SECRETS, bare, Project.GIT_ACCESS_TOKEN,
        token));

    BuildVariables variables = BuildVariables.of(SECRETS, withToken, "preview");
    assertEquals(Optional.of(token), variables.gitAccessToken());
    assertEquals(Map.of(), variables.env(), "the token is not an environment variable");
    assertEquals("cloning with ***", variables.masker().mask("cloning with " + token));

    add("TOKEN", EnvVar.SECRET, true, "tok-preview", "preview");
    BuildVariables both = BuildVariables.of(SECRETS, withCredential(project(), withToken.credentials()
        .get(Project.GIT_ACCESS_TOKEN)), "preview");
    assertEquals("*** ***", both.masker().mask(token + " tok-preview"));
    assertEquals(Optional.empty(), BuildVariables.of(SECRETS, project(), "preview").gitAccessToken());
  }

  @Test
  void aTokenThatDoesNotDecryptFailsTheBuildWithoutShowingIt() {
    Project.State bare = project();
    String sealedElsewhere = ProjectCredentials.seal(SECRETS, bare, Project.GITHUB_WEBHOOK_SECRET, "not this one");

    BuildFailure failure = assertThrows(BuildFailure.class,
        () -> BuildVariables.of(SECRETS, withCredential(bare, sealedElsewhere), "preview"));
    assertTrue(failure.getMessage().contains("Git access token cannot be decrypted"), failure.getMessage());
  }

  private static Project.State withCredential(Project.State project, String sealedToken) {
    return new Project.State(project.id(), project.status(), project.name(), project.owner(), project.settings(),
        project.deploymentCount(), project.production(), project.previousProductions(), project.autoPromote(),
        project.createdAt(), project.updatedAt(), project.dataKey(), project.envVars(), project.deployHooks(),
        Map.of(Project.GIT_ACCESS_TOKEN, sealedToken));
  }

  @Test
  void aProjectWithoutVariablesNeedsNoKey() throws BuildFailure {
    Project.State project = new Project.State(PROJECT_ID, Project.Status.ACTIVE, "app", "usr_a", null, 0, null,
        List.of(), true, Instant.now(), Instant.now(), null, List.of(), List.of(), java.util.Map.of());

    assertSame(BuildVariables.NONE, BuildVariables.of(SECRETS, project, "production"));
  }

  @Test
  void aValueThatDoesNotDecryptFailsTheBuildWithoutShowingAValue() {
    add("GOOD", EnvVar.SECRET, true, "good-secret-value", "production");
    EnvVar good = envVars.get(0);
    // A ciphertext moved to another variable does not open: its associated data names the variable.
    envVars.add(new EnvVar("env_moved", "MOVED", List.of("production"), EnvVar.SECRET, true, good.sealedValue(),
        Instant.now(), Initiator.user("usr_a")));

    BuildFailure failure = assertThrows(BuildFailure.class,
        () -> BuildVariables.of(SECRETS, project(), "production"));

    assertTrue(failure.getMessage().startsWith("Environment variable MOVED cannot be decrypted"),
        failure.getMessage());
    assertFalse(failure.getMessage().contains("good-secret-value"));
    assertFalse(failure.getMessage().contains(good.sealedValue()));
  }

  @Test
  void aDataKeyOfAnUnknownMasterKeyFailsTheBuild() {
    add("TOKEN", EnvVar.SECRET, true, "some-secret-value", "production");
    SecretBox otherNode = new SecretBox(MasterKeyring.of(randomKey()));

    BuildFailure failure = assertThrows(BuildFailure.class,
        () -> BuildVariables.of(otherNode, project(), "production"));

    assertTrue(failure.getMessage().contains("cannot be decrypted"), failure.getMessage());
    assertTrue(failure.getMessage().contains(DATA_KEY.masterKeyId()), failure.getMessage());
  }

  private void add(String key, String type, boolean buildTime, String value, String... targets) {
    String id = "env_" + envVars.size();
    String sealed;
    try (EnvVarValues values = EnvVarValues.of(SECRETS, project())) {
      sealed = values.seal(id, value);
    }
    envVars.add(new EnvVar(id, key, List.of(targets), type, buildTime, sealed, Instant.now(),
        Initiator.user("usr_a")));
  }

  private Project.State project() {
    return new Project.State(PROJECT_ID, Project.Status.ACTIVE, "app", "usr_a", null, 0, null, List.of(), true,
        Instant.now(), Instant.now(), DATA_KEY, List.copyOf(envVars), List.of(), java.util.Map.of());
  }

  private static byte[] randomKey() {
    byte[] key = new byte[MasterKeyring.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }
}
