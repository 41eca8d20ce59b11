package dev.ferry.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.deployment.Deployment;
import dev.ferry.project.EnvVar;
import dev.ferry.project.Project;
import dev.ferry.project.ProjectSettings;
import dev.ferry.routing.Hosts;
import java.util.List;
import java.util.Locale;

/** The API's JSON shapes of projects, environment variables and deployments, exactly as API.md names their fields. */
public final class Representations {

  private final Hosts hosts;

  public Representations(Hosts hosts) {
    this.hosts = hosts;
  }

  public ObjectNode project(Project.State project) {
    ProjectSettings s = project.settings();
    ObjectNode json = Json.object();
    json.put("id", project.id());
    json.put("name", project.name());
    json.put("gitRepoUrl", s.gitRepoUrl());
    json.put("gitBranch", s.gitBranch());
    json.put("rootDirectory", s.rootDirectory());
    json.put("framework", s.framework());
    json.put("installCommand", s.installCommand());
    json.put("buildCommand", s.buildCommand());
    json.put("outputDirectory", s.outputDirectory());
    String production = project.productionDeploymentId();
    json.put("productionUrl", production == null ? null : hosts.url(hosts.production(project.name())));
    json.put("productionDeploymentId", production);
    json.put("createdAt", Json.time(project.createdAt()));
    json.put("updatedAt", Json.time(project.updatedAt()));
    return json;
  }

  /** A single project also says which write-only credentials are set (never their values). */
  public ObjectNode projectWithCredentials(Project.State project) {
    ObjectNode json = project(project);
    json.put("gitAccessTokenSet", project.credential(Project.GIT_ACCESS_TOKEN).isPresent());
    json.put("githubWebhookSecretSet", project.credential(Project.GITHUB_WEBHOOK_SECRET).isPresent());
    return json;
  }

  /** Lists show no value; a single plain variable shows {@code value}; a secret's value is never shown. */
  public ObjectNode envVar(EnvVar envVar, String value) {
    ObjectNode json = Json.object();
    json.put("id", envVar.id());
    json.put("key", envVar.key());
    var targets = json.putArray("targets");
    envVar.targets().forEach(targets::add);
    json.put("type", envVar.type());
    json.put("buildTime", envVar.buildTime());
    json.put("createdAt", Json.time(envVar.createdAt()));
    if (!envVar.isSecret()) {
      putIfPresent(json, "value", value);
    }
    return json;
  }

  public ObjectNode deployment(Deployment.State deployment, List<String> aliasHosts) {
    ObjectNode json = Json.object();
    json.put("id", deployment.id());
    json.put("projectId", deployment.projectId());
    json.put("state", deployment.status().name());
    json.put("target", deployment.target());
    if (deployment.initiator() != null) {
      json.put("initiator", deployment.initiator().kind().name().toLowerCase(Locale.ROOT));
    }
    Deployment.Source source = deployment.source();
    ObjectNode sourceJson = json.putObject("source");
    sourceJson.put("type", source.type());
    putIfPresent(sourceJson, "ref", source.ref());
    putIfPresent(sourceJson, "branch", source.branch());
    putIfPresent(sourceJson, "commitSha", source.commitSha());
    putIfPresent(sourceJson, "commitMessage", source.commitMessage());
    putIfPresent(sourceJson, "commitAuthor", source.commitAuthor());
    if (source.prebuilt()) {
      sourceJson.put("prebuilt", true);
    }
    json.put("url", hosts.url(hosts.deployment(deployment.projectName(), deployment.id())));
    var aliases = json.putArray("aliases");
    aliasHosts.forEach(host -> aliases.add(hosts.url(host)));
    json.put("framework", deployment.framework());
    putIfPresent(json, "errorMessage", deployment.errorMessage());
    json.put("createdAt", Json.time(deployment.createdAt()));
    putIfPresent(json, "buildingAt", Json.time(deployment.buildingAt()));
    putIfPresent(json, "readyAt", Json.time(deployment.readyAt()));
    return json;
  }

  private static void putIfPresent(ObjectNode json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
