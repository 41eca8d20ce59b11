package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** login, logout, whoami, tokens. */
final class AccountCommands {

  private AccountCommands() {}

  @Command(name = "login", description = {
      "Log in, create an API token named cli@<hostname> and keep only that token, in "
          + "$XDG_CONFIG_HOME/ferry/config.json (default ~/.config/ferry/config.json, mode 0600).",
      "The password is asked for without echo; in scripts use --password-stdin."})
  static final class Login extends CliCommand {

    @Option(names = "--email", paramLabel = "EMAIL", description = "The account's e-mail address")
    String email;

    @Option(names = "--password", paramLabel = "PASSWORD",
        description = "The password (other users of the machine can see it in the process list: prefer the prompt "
            + "or --password-stdin)")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input")
    boolean passwordStdin;

    @Override
    public Integer call() {
      Api anonymous = root().anonymousApi();
      String address = email != null ? email : prompt("Email: ", "--email");
      String secret = passwordStdin ? readStdinLine() : password != null ? password : promptSecret("Password: ",
          "--password-stdin");

      ObjectNode credentials = Json.object().put("email", address).put("password", secret);
      JsonNode session = anonymous.post("/api/v1/auth/login", credentials);
      Api asUser = anonymous.withToken(session.path("accessToken").asText());
      String tokenName = "cli@" + hostname();
      JsonNode created = asUser.post("/api/v1/tokens", Json.object().put("name", tokenName));
      // The session was only needed to create the token: end it, so no refresh token stays valid.
      asUser.send("POST", "/api/v1/auth/logout", null);

      String accountEmail = session.path("user").path("email").asText(address);
      Optional<CliConfig> previous = CliConfig.load(env());
      CliConfig config = new CliConfig(anonymous.base(), accountEmail, created.path("token").asText(),
          created.path("id").asText(), tokenName);
      config.save(env());
      // The token this machine had before is no longer needed.
      previous.filter(old -> old.token() != null && old.tokenId() != null)
          .filter(old -> !old.tokenId().equals(config.tokenId()))
          .ifPresent(old -> new Api(Cli.trimSlash(old.api() == null ? anonymous.base() : old.api()), old.token())
              .send("DELETE", "/api/v1/tokens/" + Api.encode(old.tokenId()), null));

      if (json()) {
        printJson(Json.object().put("api", config.api()).put("email", accountEmail)
            .put("tokenId", config.tokenId()).put("tokenName", tokenName)
            .put("config", CliConfig.path(env()).toString()));
      } else {
        out().println("Logged in to " + config.api() + " as " + accountEmail + ".");
        out().println("API token \"" + tokenName + "\" saved in " + CliConfig.path(env()) + ".");
      }
      return Cli.EXIT_OK;
    }

    private String hostname() {
      String fromEnv = env().variable("HOSTNAME");
      try {
        String name = InetAddress.getLocalHost().getHostName();
        return name == null || name.isBlank() ? (fromEnv == null ? "unknown" : fromEnv) : name;
      } catch (Exception e) {
        return fromEnv == null ? "unknown" : fromEnv;
      }
    }
  }

  @Command(name = "logout", description = "Revoke the saved API token and delete the saved login.")
  static final class Logout extends CliCommand {

    @Override
    public Integer call() {
      Optional<CliConfig> saved = CliConfig.load(env());
      if (saved.isEmpty()) {
        err().println("Not logged in (" + CliConfig.path(env()) + " does not exist).");
        return Cli.EXIT_OK;
      }
      CliConfig config = saved.get();
      boolean revoked = false;
      if (config.token() != null && config.tokenId() != null && config.api() != null) {
        try {
          new Api(Cli.trimSlash(config.api()), config.token()).delete("/api/v1/tokens/" + Api.encode(config.tokenId()));
          revoked = true;
        } catch (Api.ApiError e) {
          // 401/404: the token was revoked or expired already
          revoked = e.status() == 401 || e.status() == 404;
          if (!revoked) {
            err().println("Warning: the token was not revoked: " + e.getMessage());
          }
        } catch (CliException e) {
          err().println("Warning: the token was not revoked (" + e.getMessage() + "); revoke \""
              + config.tokenName() + "\" later with `ferry tokens rm " + config.tokenId() + "`.");
        }
      }
      CliConfig.delete(env());
      if (json()) {
        printJson(Json.object().put("revoked", revoked).put("config", CliConfig.path(env()).toString()));
      } else {
        out().println("Logged out" + (revoked ? ": the API token is revoked" : "") + " and "
            + CliConfig.path(env()) + " is deleted.");
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "whoami", description = "Show the account the CLI acts for.")
  static final class Whoami extends CliCommand {

    @Override
    public Integer call() {
      JsonNode user = api().get("/api/v1/user");
      if (json()) {
        printJson(user);
      } else {
        out().println(user.path("email").asText());
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "tokens", description = "List, create and revoke API tokens.",
      subcommands = {TokensList.class, TokensAdd.class, TokensRemove.class})
  static final class Tokens extends CliCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(err());
      return Cli.EXIT_USAGE;
    }
  }

  @Command(name = "ls", description = "List your API tokens (never their secrets).")
  static final class TokensList extends CliCommand {
    @Override
    public Integer call() {
      ArrayNode tokens = api().list("/api/v1/tokens");
      if (json()) {
        printJson(listEnvelope(tokens));
        return Cli.EXIT_OK;
      }
      String current = CliConfig.load(env()).map(CliConfig::tokenId).orElse(null);
      Output.Table table = new Output.Table("ID", "NAME", "CREATED", "EXPIRES");
      for (JsonNode token : tokens) {
        String id = token.path("id").asText();
        table.row(id.equals(current) ? id + " (this CLI)" : id, Output.text(token.path("name")),
            Output.time(token.path("createdAt")),
            token.path("expiresAt").isTextual() ? Output.time(token.path("expiresAt")) : "never");
      }
      table.print(out());
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "add", description = "Create an API token (for CI); its secret is shown once.")
  static final class TokensAdd extends CliCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "What the token is for")
    String name;

    @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "Expire after this many days")
    Integer expiresInDays;

    @Override
    public Integer call() {
      ObjectNode body = Json.object().put("name", name);
      if (expiresInDays != null) {
        body.put("expiresInDays", expiresInDays);
      }
      JsonNode created = api().post("/api/v1/tokens", body);
      if (json()) {
        printJson(created);
      } else {
        err().println("Created token " + created.path("id").asText() + " (\"" + name + "\"). "
            + "Its secret is shown once:");
        out().println(created.path("token").asText());
      }
      return Cli.EXIT_OK;
    }
  }

  @Command(name = "rm", description = "Revoke an API token.")
  static final class TokensRemove extends CliCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The token's id (see `ferry tokens ls`)")
    String id;

    @Override
    public Integer call() {
      api().delete("/api/v1/tokens/" + Api.encode(id));
      if (json()) {
        printJson(Json.object().put("id", id).put("revoked", true));
      } else {
        out().println("Revoked token " + id + ".");
      }
      return Cli.EXIT_OK;
    }
  }
}
