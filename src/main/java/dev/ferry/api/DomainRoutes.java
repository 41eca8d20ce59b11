package dev.ferry.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.account.OpaqueTokens;
import dev.ferry.claim.Claim;
import dev.ferry.common.Initiator;
import dev.ferry.domains.DnsChecker;
import dev.ferry.domains.DomainNames;
import dev.ferry.domains.DomainSettings;
import dev.ferry.domains.DomainVerifier;
import dev.ferry.project.Domain;
import dev.ferry.project.Project;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Custom domains: {@code /api/v1/projects/{project}/domains} adds (claiming the name cluster-wide), lists, checks
 * and removes them (releasing the claim). What to set in DNS comes with every domain: the TXT record that proves
 * ownership and the CNAME (subdomains) or A records (apex domains) that send traffic to Ferry.
 */
public final class DomainRoutes extends AllDirectives {

  private static final Set<String> FIELDS = Set.of("name");
  private static final int TOKEN_BYTES = 24;

  private final ApiContext context;
  private final RequestSupport support;
  private final DomainSettings settings;
  private final DomainVerifier verifier;

  public DomainRoutes(ApiContext context, RequestSupport support) {
    this.context = context;
    this.support = support;
    this.settings = DomainSettings.from(context.system().settings().config());
    this.verifier = new DomainVerifier(context.system(), context.dataSource(),
        new DnsChecker(settings.dnsResolver(), settings.dnsTimeout()), settings);
  }

  public Route route() {
    return pathPrefix("projects", () -> pathPrefix(segment(), project -> pathPrefix("domains", () ->
        support.authenticated(principal -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> support.page(page -> support.answer(() -> list(principal, project, page)))),
                post(() -> support.jsonBody(body -> support.answer(() -> add(principal, project, body)))))),
            pathPrefix(segment(), name -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> support.answer(() -> get(principal, project, name))),
                    delete(() -> support.answer(() -> remove(principal, project, name))))),
                path("verify", () -> post(() -> support.answer(() -> verify(principal, project, name)))))))))));
  }

  private CompletionStage<HttpResponse> add(Principal principal, String project, String text) {
    JsonBody body = JsonBody.parse(text, FIELDS);
    String requested = body.required("name", 2 * DomainNames.MAX_LENGTH);
    DomainNames.Result name = requested == null ? null
        : DomainNames.canonical(requested, context.settings().baseDomain());
    if (name != null && !name.valid()) {
      body.error("name", name.error());
    }
    body.validate();
    Initiator initiator = principal.initiator();
    String claimId = Claim.entityId(Claim.DOMAIN, name.name());
    String token = "ferry-" + OpaqueTokens.randomUrlSafe(TOKEN_BYTES);
    return support.project(project, principal).thenCompose(current -> context
        .<Done>askClaim(claimId, replyTo -> new Claim.Acquire(current.id(), initiator, replyTo))
        .exceptionally(failure -> {
          throw GitDeployments.rejectionStatus(failure) == 409
              ? new ApiException(409, "Domain " + name.name() + " is already in use")
              : failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        })
        .thenCompose(claimed -> context.<Domain>askProject(current.id(), replyTo -> new Project.AddDomain(
                name.name(), token, DomainNames.isApex(name.name()), initiator, replyTo))
            .handle((domain, failure) -> failure == null
                // Added: 201. Already this project's (409): the claim stays. Refused otherwise: it is freed again.
                ? CompletableFuture.completedFuture(Responses.json(201, domainJson(domain, null)))
                : GitDeployments.rejectionStatus(failure) == 409
                    ? CompletableFuture.<HttpResponse>failedFuture(failure)
                    : release(current.id(), name.name(), initiator)
                        .thenCompose(done -> CompletableFuture.<HttpResponse>failedFuture(failure)))
            .thenCompose(response -> response)));
  }

  private CompletionStage<Done> release(String projectId, String name, Initiator initiator) {
    return context.askClaim(Claim.entityId(Claim.DOMAIN, name),
        replyTo -> new Claim.Release(projectId, initiator, replyTo));
  }

  private CompletionStage<HttpResponse> list(Principal principal, String project, Page page) {
    return support.project(project, principal).thenApply(current -> {
      List<Domain> rows = current.domains().domains().stream()
          .filter(domain -> page.cursor().isEmpty() || domain.name().compareTo(page.cursor().get()) > 0)
          .sorted(Comparator.comparing(Domain::name))
          .limit(page.limit() + 1L)
          .toList();
      var result = ProjectRoutes.pageOf(rows, page.limit(), Domain::name);
      return Responses.list(result.items().stream().map(domain -> domainJson(domain, null)).toList(),
          result.next());
    });
  }

  private CompletionStage<HttpResponse> get(Principal principal, String project, String name) {
    return support.project(project, principal).thenApply(current -> Responses.json(200,
        domainJson(domain(current, name), lastCheck(name))));
  }

  /** Checks DNS now; a domain that is not verified yet comes back with what the check found. */
  private CompletionStage<HttpResponse> verify(Principal principal, String project, String name) {
    return support.project(project, principal).thenCompose(current -> {
      Domain domain = domain(current, name);
      return CompletableFuture.supplyAsync(() -> {
        try {
          DomainVerifier.Outcome outcome = verifier.check(current.id(), domain, principal.initiator());
          return Responses.json(200, domainJson(outcome.domain(),
              outcome.domain().verified() ? null : outcome.finding().detail()));
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }, context.blocking());
    });
  }

  private CompletionStage<HttpResponse> remove(Principal principal, String project, String name) {
    Initiator initiator = principal.initiator();
    return support.project(project, principal).thenCompose(current -> {
      Domain domain = domain(current, name);
      return context.<Done>askProject(current.id(), replyTo -> new Project.RemoveDomain(domain.name(), initiator,
              replyTo))
          .thenCompose(done -> release(current.id(), domain.name(), initiator));
    }).thenApply(done -> Responses.noContent());
  }

  /** The project's domain by the name in the path, in any form a user may type it; otherwise 404. */
  private Domain domain(Project.State project, String name) {
    DomainNames.Result canonical = DomainNames.canonical(name, context.settings().baseDomain());
    return Optional.ofNullable(canonical.name()).flatMap(n -> project.domains().domain(n))
        .orElseThrow(() -> ApiException.notFound("Domain"));
  }

  private String lastCheck(String name) {
    try {
      return verifier.lastCheckResult(DomainNames.canonical(name, context.settings().baseDomain()).name())
          .orElse(null);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  ObjectNode domainJson(Domain domain, String verificationReason) {
    ObjectNode json = Json.object();
    json.put("name", domain.name());
    json.put("verified", domain.verified());
    json.put("verificationStatus", domain.verification());
    ArrayNode records = json.putArray("verification");
    record(records, "TXT", DnsChecker.recordName(domain.name()), domain.token());
    if (domain.apex()) {
      settings.aTargets().forEach(ip -> record(records, ip.contains(":") ? "AAAA" : "A", domain.name(), ip));
    } else {
      record(records, "CNAME", domain.name(), settings.cnameTarget());
    }
    String reason = verificationReason != null ? verificationReason : domain.verificationReason();
    if (!domain.verified() && reason != null) {
      json.put("verificationReason", reason);
    }
    if (domain.verifiedAt() != null) {
      json.put("verifiedAt", Json.time(domain.verifiedAt()));
    }
    ObjectNode certificate = json.putObject("certificate");
    certificate.put("status", domain.certificateStatus());
    if (domain.certificateExpiresAt() != null) {
      certificate.put("expiresAt", Json.time(domain.certificateExpiresAt()));
    }
    if (domain.certificateIssuedAt() != null) {
      certificate.put("issuedAt", Json.time(domain.certificateIssuedAt()));
    }
    if (domain.certificateReason() != null) {
      certificate.put("reason", domain.certificateReason());
      certificate.put("failures", domain.certificateFailures());
    }
    json.put("createdAt", Json.time(domain.createdAt()));
    return json;
  }

  private static void record(ArrayNode records, String type, String name, String value) {
    ObjectNode record = records.addObject();
    record.put("type", type);
    record.put("name", name);
    record.put("value", value);
  }
}
