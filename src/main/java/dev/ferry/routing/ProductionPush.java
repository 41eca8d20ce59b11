package dev.ferry.routing;

import dev.ferry.project.Domain;
import dev.ferry.project.Project;

/**
 * Moves a project's production hosts (its production host and its verified custom domains) in the route table as
 * soon as a promote or rollback is persisted, from the project's new state, instead of waiting until the routing
 * projections read the event from the journal: every edge sees it within a Distributed Data write. The projections
 * still make the same change from the journal, which stays the source of truth: an edge that missed the push
 * converges then. The versions (the event's time) keep a late or repeated write from undoing a newer one.
 */
public final class ProductionPush {

  private final RouteTable routeTable;
  private final Hosts hosts;

  public ProductionPush(RouteTable routeTable, Hosts hosts) {
    this.routeTable = routeTable;
    this.hosts = hosts;
  }

  /** @param project the project as the promote or rollback left it (its update time is the event's time) */
  public Project.State push(Project.State project) {
    String deploymentId = project.productionDeploymentId();
    if (project.status() != Project.Status.ACTIVE || deploymentId == null || project.updatedAt() == null) {
      return project;
    }
    routeTable.put(hosts.production(project.name()), deploymentId, project.updatedAt());
    for (Domain domain : project.domains().domains()) {
      if (domain.verified()) {
        routeTable.put(domain.name(), deploymentId, project.updatedAt());
      }
    }
    return project;
  }
}
