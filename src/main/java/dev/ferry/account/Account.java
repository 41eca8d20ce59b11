package dev.ferry.account;

import dev.ferry.common.CborSerializable;
import dev.ferry.common.Ids;
import dev.ferry.common.Initiator;
import dev.ferry.common.Rejection;
import dev.ferry.common.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A user account (id = normalized e-mail): the bcrypt password hash, the refresh-token families of its sessions
 * and its API tokens. Only hashes of secrets reach a command, an event or the state.
 *
 * <p>A refresh token works once: rotating it moves the family on to a new token and remembers the old hash. A used
 * hash presented again means two parties hold the family's tokens (one of them stole it), so the whole family is
 * revoked. A family also ends {@code absoluteLifetime} after the login that started it, however often it rotated.
 */
public final class Account
    extends EventSourcedBehaviorWithEnforcedReplies<Account.Command, Account.Event, Account.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Account");

  /** The absolute lifetime of a refresh family the API should pass unless configured otherwise. */
  public static final Duration DEFAULT_REFRESH_LIFETIME = Duration.ofDays(30);

  /** Live sessions per account; a login beyond this ends the oldest one. */
  static final int MAX_SESSIONS = 50;
  /** Used hashes a family remembers for reuse detection; a token older than that counts as unknown. */
  static final int USED_HASHES_PER_FAMILY = 32;
  static final int MAX_API_TOKENS = 100;
  static final int MAX_TOKEN_NAME_LENGTH = 100;

  private static final Pattern BCRYPT_HASH = Pattern.compile("\\$2[abxy]?\\$\\d{2}\\$[./A-Za-z0-9]{53}");
  private static final Initiator REUSE_DETECTION = Initiator.system("refresh-token-reuse-detection");
  private static final Initiator SESSION_EXPIRY = Initiator.system("refresh-token-expiry");

  public enum Status { NEW, ACTIVE }

  public enum RevocationReason { LOGOUT, REUSE_DETECTED, EXPIRED }

  // Commands

  public sealed interface Command extends CborSerializable {}

  /** {@code passwordHash} is a bcrypt hash ({@link Passwords#hash}). A retry with the same user id succeeds. */
  public record SignUp(String userId, String passwordHash, Initiator initiator, ActorRef<StatusReply<State>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<State>> replyTo) implements Command {}

  /** Starts a refresh family at login; the hashes are {@link OpaqueTokens#sha256Hex} of the tokens. */
  public record StartSession(String familyId, String refreshTokenHash, Instant at, Initiator initiator,
      ActorRef<StatusReply<Session>> replyTo) implements Command {}

  /**
   * Exchanges the family's current token for {@code newHash}. Unknown, revoked, expired or reused tokens are answered
   * with 401; a reused one also revokes its family. The token itself is the credential, so the events record the
   * account's user as the initiator. A null {@code absoluteLifetime} means {@link #DEFAULT_REFRESH_LIFETIME}.
   */
  public record RotateRefreshToken(String presentedHash, String newHash, Instant now, Duration absoluteLifetime,
      ActorRef<StatusReply<Session>> replyTo) implements Command {}

  /** Logout. Revoking a revoked family succeeds. */
  public record RevokeFamily(String familyId, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** {@code expiresAt} may be null (never expires). A retry with the same id and hash succeeds. */
  public record CreateApiToken(String tokenId, String name, String tokenHash, Instant expiresAt, Initiator initiator,
      ActorRef<StatusReply<ApiTokenInfo>> replyTo) implements Command {}

  /** Revoking a revoked token succeeds. */
  public record RevokeApiToken(String tokenId, Initiator initiator, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** The tokens that are not revoked (expired ones included), oldest first, without their hashes. */
  public record ListApiTokens(ActorRef<StatusReply<ApiTokenList>> replyTo) implements Command {}

  /** Who a presented API token stands for; 401 for an unknown, revoked or expired token. */
  public record AuthenticateApiToken(String tokenHash, Instant now, ActorRef<StatusReply<TokenPrincipal>> replyTo)
      implements Command {}

  // Replies

  public record Session(String familyId, String userId, String email) implements CborSerializable {}

  public record ApiTokenInfo(String id, String name, Instant createdAt, Instant expiresAt)
      implements CborSerializable {}

  public record ApiTokenList(List<ApiTokenInfo> tokens) implements CborSerializable {}

  public record TokenPrincipal(String userId, String email, String tokenId) implements CborSerializable {}

  // Events

  public sealed interface Event extends CborSerializable {
    Initiator initiator();

    Instant at();
  }

  public record AccountCreated(String userId, String email, String passwordHash, Initiator initiator, Instant at)
      implements Event {}

  public record SessionStarted(String familyId, String refreshTokenHash, Initiator initiator, Instant at)
      implements Event {}

  public record RefreshTokenRotated(String familyId, String previousTokenHash, String newTokenHash,
      Initiator initiator, Instant at) implements Event {}

  public record FamilyRevoked(String familyId, RevocationReason reason, Initiator initiator, Instant at)
      implements Event {}

  public record ApiTokenCreated(String tokenId, String name, String tokenHash, Instant expiresAt, Initiator initiator,
      Instant at) implements Event {}

  public record ApiTokenRevoked(String tokenId, Initiator initiator, Instant at) implements Event {}

  // State

  /** {@code issuedAt} is the login that started the family: the absolute lifetime counts from there. */
  public record RefreshFamily(String currentTokenHash, List<String> usedTokenHashes, Instant issuedAt,
      Instant rotatedAt, boolean revoked) implements CborSerializable {

    boolean hasUsed(String hash) {
      return usedTokenHashes.stream().anyMatch(used -> OpaqueTokens.constantTimeEquals(used, hash));
    }

    boolean expiredAt(Instant now, Duration absoluteLifetime) {
      return !now.isBefore(issuedAt.plus(absoluteLifetime));
    }

    RefreshFamily rotatedTo(String newHash, Instant at) {
      List<String> used = new ArrayList<>(usedTokenHashes);
      used.add(currentTokenHash);
      if (used.size() > USED_HASHES_PER_FAMILY) {
        used = used.subList(used.size() - USED_HASHES_PER_FAMILY, used.size());
      }
      return new RefreshFamily(newHash, List.copyOf(used), issuedAt, at, revoked);
    }

    RefreshFamily asRevoked() {
      return new RefreshFamily(currentTokenHash, usedTokenHashes, issuedAt, rotatedAt, true);
    }
  }

  public record ApiToken(String id, String name, String tokenHash, Instant createdAt, Instant expiresAt,
      boolean revoked) implements CborSerializable {

    boolean validAt(Instant now) {
      return !revoked && (expiresAt == null || now.isBefore(expiresAt));
    }

    ApiTokenInfo info() {
      return new ApiTokenInfo(id, name, createdAt, expiresAt);
    }

    ApiToken asRevoked() {
      return new ApiToken(id, name, tokenHash, createdAt, expiresAt, true);
    }
  }

  public record State(
      Status status,
      String userId,
      String email,
      String passwordHash,
      Instant createdAt,
      Map<String, RefreshFamily> refreshFamilies,
      Map<String, ApiToken> apiTokens) implements CborSerializable {

    static State empty(String email) {
      return new State(Status.NEW, null, email, null, null, Map.of(), Map.of());
    }

    Optional<Map.Entry<String, RefreshFamily>> familyWithCurrent(String hash) {
      return refreshFamilies.entrySet().stream()
          .filter(e -> OpaqueTokens.constantTimeEquals(e.getValue().currentTokenHash(), hash))
          .findFirst();
    }

    Optional<Map.Entry<String, RefreshFamily>> familyThatUsed(String hash) {
      return refreshFamilies.entrySet().stream().filter(e -> e.getValue().hasUsed(hash)).findFirst();
    }

    boolean knowsRefreshHash(String hash) {
      return familyWithCurrent(hash).isPresent() || familyThatUsed(hash).isPresent();
    }

    Optional<ApiToken> apiTokenWithHash(String hash) {
      return apiTokens.values().stream().filter(t -> OpaqueTokens.constantTimeEquals(t.tokenHash(), hash)).findFirst();
    }

    List<ApiToken> unrevokedApiTokens() {
      return apiTokens.values().stream().filter(t -> !t.revoked())
          .sorted(Comparator.comparing(ApiToken::createdAt).thenComparing(ApiToken::id))
          .toList();
    }

    Session session(String familyId) {
      return new Session(familyId, userId, email);
    }

    State withFamilies(Map<String, RefreshFamily> families) {
      return new State(status, userId, email, passwordHash, createdAt, families, apiTokens);
    }

    State withApiTokens(Map<String, ApiToken> tokens) {
      return new State(status, userId, email, passwordHash, createdAt, refreshFamilies, tokens);
    }
  }

  // E-mail addresses

  /** The account id for an e-mail address as typed: trimmed and lower-cased. */
  public static String normalizeEmail(String email) {
    return EmailAddresses.normalize(email);
  }

  /** Whether a normalized e-mail address is acceptable as an account id. */
  public static boolean isValidEmail(String normalizedEmail) {
    return EmailAddresses.isValid(normalizedEmail);
  }

  public static String newUserId() {
    return "usr_" + Ids.newId(16);
  }

  // Behavior

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<Command> create(String email) {
    return new Account(email);
  }

  private final String email;

  private Account(String email) {
    super(PersistenceId.of(ENTITY_KEY.name(), email));
    this.email = email;
  }

  @Override
  public State emptyState() {
    return State.empty(email);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(Tags.forId(ENTITY_KEY.name(), email));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    newAccountHandlers(builder);
    activeAccountHandlers(builder);
    return builder.build();
  }

  private void newAccountHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.NEW)
        .onCommand(SignUp.class, this::signUp)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(StartSession.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RotateRefreshToken.class, (state, cmd) -> Effect().reply(cmd.replyTo(), invalidRefreshToken()))
        .onCommand(RevokeFamily.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(CreateApiToken.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(RevokeApiToken.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(ListApiTokens.class, (state, cmd) -> Effect().reply(cmd.replyTo(), notFound()))
        .onCommand(AuthenticateApiToken.class, (state, cmd) -> Effect().reply(cmd.replyTo(), invalidApiToken()));
  }

  private void activeAccountHandlers(CommandHandlerWithReplyBuilder<Command, Event, State> builder) {
    builder.forState(state -> state.status() == Status.ACTIVE)
        .onCommand(SignUp.class, this::signUpExisting)
        .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(state)))
        .onCommand(StartSession.class, this::startSession)
        .onCommand(RotateRefreshToken.class, this::rotateRefreshToken)
        .onCommand(RevokeFamily.class, this::revokeFamily)
        .onCommand(CreateApiToken.class, this::createApiToken)
        .onCommand(RevokeApiToken.class, this::revokeApiToken)
        .onCommand(ListApiTokens.class, (state, cmd) -> Effect().reply(cmd.replyTo(), StatusReply.success(
            new ApiTokenList(state.unrevokedApiTokens().stream().map(ApiToken::info).toList()))))
        .onCommand(AuthenticateApiToken.class, this::authenticateApiToken);
  }

  private static <T> StatusReply<T> notFound() {
    return Rejection.notFound("Account not found");
  }

  private static <T> StatusReply<T> invalidRefreshToken() {
    return Rejection.of(401, "The refresh token is invalid or expired");
  }

  private static <T> StatusReply<T> invalidApiToken() {
    return Rejection.of(401, "The API token is invalid, revoked or expired");
  }

  private ReplyEffect<Event, State> signUp(State state, SignUp cmd) {
    if (!isValidEmail(email)) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("The e-mail address is not valid"));
    }
    if (isBlank(cmd.userId())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("A user id is required"));
    }
    // Guards against a plain password reaching the journal by mistake.
    if (cmd.passwordHash() == null || !BCRYPT_HASH.matcher(cmd.passwordHash()).matches()) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("The password hash is not a bcrypt hash"));
    }
    return Effect()
        .persist(new AccountCreated(cmd.userId(), email, cmd.passwordHash(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), StatusReply::success);
  }

  private ReplyEffect<Event, State> signUpExisting(State state, SignUp cmd) {
    if (state.userId().equals(cmd.userId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state));
    }
    return Effect().reply(cmd.replyTo(), Rejection.conflict("An account with this e-mail address exists"));
  }

  private ReplyEffect<Event, State> startSession(State state, StartSession cmd) {
    if (isBlank(cmd.familyId())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("A refresh family id is required"));
    }
    if (!OpaqueTokens.isSha256Hex(cmd.refreshTokenHash())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("The refresh token hash is not a SHA-256 hash"));
    }
    RefreshFamily existing = state.refreshFamilies().get(cmd.familyId());
    if (existing != null) {
      boolean retry = existing.usedTokenHashes().isEmpty()
          && existing.currentTokenHash().equals(cmd.refreshTokenHash()) && !existing.revoked();
      return Effect().reply(cmd.replyTo(), retry
          ? StatusReply.success(state.session(cmd.familyId()))
          : Rejection.conflict("Refresh family " + cmd.familyId() + " exists"));
    }
    if (state.knowsRefreshHash(cmd.refreshTokenHash())) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The refresh token is already in use"));
    }
    return Effect()
        .persist(new SessionStarted(cmd.familyId(), cmd.refreshTokenHash(), cmd.initiator(), cmd.at()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.session(cmd.familyId())));
  }

  private ReplyEffect<Event, State> rotateRefreshToken(State state, RotateRefreshToken cmd) {
    var current = state.familyWithCurrent(cmd.presentedHash());
    if (current.isPresent()) {
      return rotateCurrent(state, current.get().getKey(), current.get().getValue(), cmd);
    }
    var reused = state.familyThatUsed(cmd.presentedHash());
    if (reused.isPresent() && !reused.get().getValue().revoked()) {
      // A used token came back: whoever holds the family's tokens now may be an attacker. End the family for both.
      return Effect()
          .persist(new FamilyRevoked(reused.get().getKey(), RevocationReason.REUSE_DETECTED, REUSE_DETECTION,
              cmd.now()))
          .thenReply(cmd.replyTo(), s -> Rejection.of(401, "The refresh token was already used; the session is revoked"));
    }
    return Effect().reply(cmd.replyTo(), invalidRefreshToken());
  }

  private ReplyEffect<Event, State> rotateCurrent(State state, String familyId, RefreshFamily family,
      RotateRefreshToken cmd) {
    if (family.revoked()) {
      return Effect().reply(cmd.replyTo(), invalidRefreshToken());
    }
    Duration lifetime = cmd.absoluteLifetime() == null ? DEFAULT_REFRESH_LIFETIME : cmd.absoluteLifetime();
    if (family.expiredAt(cmd.now(), lifetime)) {
      return Effect()
          .persist(new FamilyRevoked(familyId, RevocationReason.EXPIRED, SESSION_EXPIRY, cmd.now()))
          .thenReply(cmd.replyTo(), s -> Rejection.of(401, "The session has expired; log in again"));
    }
    if (!OpaqueTokens.isSha256Hex(cmd.newHash())) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid("The new refresh token hash is not a SHA-256 hash"));
    }
    if (state.knowsRefreshHash(cmd.newHash())) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The new refresh token is already in use"));
    }
    return Effect()
        .persist(new RefreshTokenRotated(familyId, family.currentTokenHash(), cmd.newHash(),
            Initiator.user(state.userId()), cmd.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.session(familyId)));
  }

  private ReplyEffect<Event, State> revokeFamily(State state, RevokeFamily cmd) {
    RefreshFamily family = state.refreshFamilies().get(cmd.familyId());
    if (family == null) {
      return Effect().reply(cmd.replyTo(), Rejection.notFound("Session not found"));
    }
    if (family.revoked()) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new FamilyRevoked(cmd.familyId(), RevocationReason.LOGOUT, cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> createApiToken(State state, CreateApiToken cmd) {
    Instant now = Instant.now();
    Optional<String> invalid = apiTokenProblem(cmd, now);
    if (invalid.isPresent()) {
      return Effect().reply(cmd.replyTo(), Rejection.invalid(invalid.get()));
    }
    ApiToken existing = state.apiTokens().get(cmd.tokenId());
    if (existing != null) {
      boolean retry = existing.tokenHash().equals(cmd.tokenHash()) && !existing.revoked();
      return Effect().reply(cmd.replyTo(), retry
          ? StatusReply.success(existing.info())
          : Rejection.conflict("API token " + cmd.tokenId() + " exists"));
    }
    if (state.apiTokenWithHash(cmd.tokenHash()).isPresent()) {
      return Effect().reply(cmd.replyTo(), Rejection.conflict("The API token is already in use"));
    }
    if (state.unrevokedApiTokens().size() >= MAX_API_TOKENS) {
      return Effect().reply(cmd.replyTo(),
          Rejection.conflict("An account can hold at most " + MAX_API_TOKENS + " API tokens; revoke one first"));
    }
    return Effect()
        .persist(new ApiTokenCreated(cmd.tokenId(), cmd.name().strip(), cmd.tokenHash(), cmd.expiresAt(),
            cmd.initiator(), now))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.apiTokens().get(cmd.tokenId()).info()));
  }

  private static Optional<String> apiTokenProblem(CreateApiToken cmd, Instant now) {
    if (isBlank(cmd.tokenId())) {
      return Optional.of("A token id is required");
    }
    if (isBlank(cmd.name()) || cmd.name().strip().length() > MAX_TOKEN_NAME_LENGTH) {
      return Optional.of("A token name of 1 to " + MAX_TOKEN_NAME_LENGTH + " characters is required");
    }
    if (!OpaqueTokens.isSha256Hex(cmd.tokenHash())) {
      return Optional.of("The API token hash is not a SHA-256 hash");
    }
    if (cmd.expiresAt() != null && !cmd.expiresAt().isAfter(now)) {
      return Optional.of("The expiry must be in the future");
    }
    return Optional.empty();
  }

  private ReplyEffect<Event, State> revokeApiToken(State state, RevokeApiToken cmd) {
    ApiToken token = state.apiTokens().get(cmd.tokenId());
    if (token == null) {
      return Effect().reply(cmd.replyTo(), Rejection.notFound("API token not found"));
    }
    if (token.revoked()) {
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }
    return Effect()
        .persist(new ApiTokenRevoked(cmd.tokenId(), cmd.initiator(), Instant.now()))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> authenticateApiToken(State state, AuthenticateApiToken cmd) {
    return Effect().reply(cmd.replyTo(), state.apiTokenWithHash(cmd.tokenHash())
        .filter(token -> token.validAt(cmd.now()))
        .map(token -> StatusReply.success(new TokenPrincipal(state.userId(), state.email(), token.id())))
        .orElseGet(Account::invalidApiToken));
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  // Event handlers

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(AccountCreated.class, (state, e) -> new State(Status.ACTIVE, e.userId(), e.email(),
            e.passwordHash(), e.at(), Map.of(), Map.of()))
        .onEvent(SessionStarted.class, (state, e) -> state.withFamilies(withSessionStarted(state, e)))
        .onEvent(RefreshTokenRotated.class, (state, e) -> state.withFamilies(with(state.refreshFamilies(),
            e.familyId(), state.refreshFamilies().get(e.familyId()).rotatedTo(e.newTokenHash(), e.at()))))
        .onEvent(FamilyRevoked.class, (state, e) -> state.withFamilies(with(state.refreshFamilies(),
            e.familyId(), state.refreshFamilies().get(e.familyId()).asRevoked())))
        .onEvent(ApiTokenCreated.class, (state, e) -> state.withApiTokens(withApiTokenCreated(state, e)))
        .onEvent(ApiTokenRevoked.class, (state, e) -> state.withApiTokens(with(state.apiTokens(),
            e.tokenId(), state.apiTokens().get(e.tokenId()).asRevoked())))
        .build();
  }

  /** Keeps the state bounded: revoked families go, and beyond {@link #MAX_SESSIONS} the oldest live ones too. */
  private static Map<String, RefreshFamily> withSessionStarted(State state, SessionStarted e) {
    Map<String, RefreshFamily> families = new LinkedHashMap<>(state.refreshFamilies());
    families.values().removeIf(RefreshFamily::revoked);
    while (families.size() >= MAX_SESSIONS) {
      families.entrySet().stream()
          .min(Comparator.comparing((Map.Entry<String, RefreshFamily> f) -> f.getValue().issuedAt())
              .thenComparing(Map.Entry::getKey))
          .ifPresent(oldest -> families.remove(oldest.getKey()));
    }
    families.put(e.familyId(), new RefreshFamily(e.refreshTokenHash(), List.of(), e.at(), e.at(), false));
    return Collections.unmodifiableMap(families);
  }

  /** Keeps the state bounded: revoked tokens go when a new one is created (until then, a repeated revoke is a no-op). */
  private static Map<String, ApiToken> withApiTokenCreated(State state, ApiTokenCreated e) {
    Map<String, ApiToken> tokens = new LinkedHashMap<>(state.apiTokens());
    tokens.values().removeIf(ApiToken::revoked);
    tokens.put(e.tokenId(), new ApiToken(e.tokenId(), e.name(), e.tokenHash(), e.at(), e.expiresAt(), false));
    return Collections.unmodifiableMap(tokens);
  }

  private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
    Map<String, V> copy = new LinkedHashMap<>(map);
    copy.put(key, value);
    return Collections.unmodifiableMap(copy);
  }
}
