package dev.ferry.routing;

import java.util.Optional;

/** O(1) host resolution for the edge, answered from the node's local copy of the cluster route table. */
public interface RouteLookup {

  /** @param host lower-case host name without port, e.g. {@code "blog.localhost"} or {@code "blog-k3x9a2mq.localhost"} */
  Optional<String> deploymentFor(String host);
}
