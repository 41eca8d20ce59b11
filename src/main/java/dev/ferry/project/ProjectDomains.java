package dev.ferry.project;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Rejection;
import dev.ferry.project.Project.AcmeAccountKeySet;
import dev.ferry.project.Project.AddDomain;
import dev.ferry.project.Project.CertificateFailed;
import dev.ferry.project.Project.CertificateIssued;
import dev.ferry.project.Project.CertificateRenewed;
import dev.ferry.project.Project.DomainAdded;
import dev.ferry.project.Project.DomainCommand;
import dev.ferry.project.Project.DomainEvent;
import dev.ferry.project.Project.DomainRemoved;
import dev.ferry.project.Project.DomainVerificationFailed;
import dev.ferry.project.Project.DomainVerified;
import dev.ferry.project.Project.FailCertificate;
import dev.ferry.project.Project.FailDomainVerification;
import dev.ferry.project.Project.RecordCertificate;
import dev.ferry.project.Project.RemoveDomain;
import dev.ferry.project.Project.SetAcmeAccountKey;
import dev.ferry.project.Project.VerifyDomain;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A project's custom domains and its ACME account key (sealed under the project's data key, {@code
 * SecretBox.context("acme-account", projectId)}): the part of {@link Project}'s state and logic that belongs to
 * domains, so the entity only routes commands and events here.
 */
public record ProjectDomains(List<Domain> domains, String sealedAccountKey) implements CborSerializable {

  /** How many custom domains a project may have. */
  public static final int MAX_DOMAINS = 50;

  public static final ProjectDomains NONE = new ProjectDomains(List.of(), null);

  public ProjectDomains {
    domains = domains == null ? List.of() : List.copyOf(domains);
  }

  public Optional<Domain> domain(String name) {
    return domains.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /** What a command leads to: an event to persist, nothing (already so), or a rejection ("409 ..."). */
  record Outcome(DomainEvent event, String rejection) {
    static Outcome persist(DomainEvent event) {
      return new Outcome(event, null);
    }

    static Outcome unchanged() {
      return new Outcome(null, null);
    }

    static Outcome rejected(org.apache.pekko.pattern.StatusReply<?> rejection) {
      return new Outcome(null, rejection.getError().getMessage());
    }
  }

  Outcome decide(Project.State project, DomainCommand<?> command, Instant now) {
    if (command instanceof SetAcmeAccountKey set) {
      return sealedAccountKey != null ? Outcome.unchanged()
          : Outcome.persist(new AcmeAccountKeySet(set.sealedAccountKey(), set.initiator(), now));
    }
    if (command instanceof AddDomain add) {
      if (domain(add.name()).isPresent()) {
        return Outcome.rejected(Rejection.conflict("Domain " + add.name() + " is already added to this project"));
      }
      if (domains.size() >= MAX_DOMAINS) {
        return Outcome.rejected(Rejection.invalid("A project can have at most " + MAX_DOMAINS + " domains"));
      }
      return Outcome.persist(new DomainAdded(add.name(), add.token(), add.apex(), add.initiator(), now));
    }
    String name = command.name();
    Optional<Domain> found = domain(name);
    if (found.isEmpty()) {
      return Outcome.rejected(Rejection.notFound("Domain not found"));
    }
    Domain domain = found.get();
    if (command instanceof VerifyDomain verify) {
      return domain.verified() ? Outcome.unchanged()
          : Outcome.persist(new DomainVerified(name, project.productionDeploymentId(), verify.initiator(), now));
    }
    if (command instanceof FailDomainVerification fail) {
      return !Domain.PENDING.equals(domain.verification()) ? Outcome.unchanged()
          : Outcome.persist(new DomainVerificationFailed(name, fail.reason(), fail.initiator(), now));
    }
    if (command instanceof RecordCertificate record) {
      if (!domain.verified()) {
        return Outcome.rejected(Rejection.conflict("Domain " + name + " is not verified"));
      }
      return Outcome.persist(domain.sealedCertificate() == null
          ? new CertificateIssued(name, record.sealedCertificate(), record.expiresAt(), record.initiator(), now)
          : new CertificateRenewed(name, record.sealedCertificate(), record.expiresAt(), record.initiator(), now));
    }
    if (command instanceof FailCertificate fail) {
      return Outcome.persist(new CertificateFailed(name, fail.reason(), domain.certificateFailures() + 1,
          fail.initiator(), now));
    }
    if (command instanceof RemoveDomain remove) {
      return Outcome.persist(new DomainRemoved(name, remove.initiator(), now));
    }
    throw new IllegalArgumentException("Unknown domain command " + command.getClass().getSimpleName());
  }

  /** The reply to a command once applied (or found already applied): the domain, the account key, or done. */
  @SuppressWarnings("unchecked")
  static <T> T result(Project.State state, DomainCommand<T> command) {
    if (command instanceof SetAcmeAccountKey) {
      return (T) state.domains().sealedAccountKey();
    }
    if (command instanceof RemoveDomain) {
      return (T) org.apache.pekko.Done.getInstance();
    }
    return (T) state.domains().domain(command.name()).orElseThrow();
  }

  ProjectDomains apply(DomainEvent event) {
    if (event instanceof AcmeAccountKeySet set) {
      return new ProjectDomains(domains, set.sealedAccountKey());
    }
    if (event instanceof DomainAdded added) {
      List<Domain> more = new ArrayList<>(domains);
      more.add(Domain.added(added.name(), added.token(), added.apex(), added.at()));
      return new ProjectDomains(more, sealedAccountKey);
    }
    if (event instanceof DomainRemoved removed) {
      return new ProjectDomains(domains.stream().filter(d -> !d.name().equals(removed.name())).toList(),
          sealedAccountKey);
    }
    if (event instanceof DomainVerified verified) {
      return change(verified.name(), d -> d.withVerification(Domain.VERIFIED, verified.at(), null));
    }
    if (event instanceof DomainVerificationFailed failed) {
      return change(failed.name(), d -> d.withVerification(Domain.FAILED, failed.at(), failed.reason()));
    }
    if (event instanceof CertificateIssued issued) {
      return change(issued.name(), d -> d.withCertificate(issued.sealedCertificate(), issued.expiresAt(),
          issued.at()));
    }
    if (event instanceof CertificateRenewed renewed) {
      return change(renewed.name(), d -> d.withCertificate(renewed.sealedCertificate(), renewed.expiresAt(),
          renewed.at()));
    }
    if (event instanceof CertificateFailed failed) {
      return change(failed.name(), d -> d.withCertificateFailure(failed.reason(), failed.failures()));
    }
    throw new IllegalArgumentException("Unknown domain event " + event.getClass().getSimpleName());
  }

  private ProjectDomains change(String name, UnaryOperator<Domain> change) {
    return new ProjectDomains(domains.stream().map(d -> d.name().equals(name) ? change.apply(d) : d).toList(),
        sealedAccountKey);
  }
}
