package dev.ferry.api;

import dev.ferry.account.Account;
import dev.ferry.account.Passwords;
import dev.ferry.common.Initiator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A closed installation's first account, created from configuration at start if it does not exist yet. */
public final class AdminAccount {

  private static final Logger log = LoggerFactory.getLogger(AdminAccount.class);

  private AdminAccount() {}

  public static void ensure(ApiContext context) {
    String email = context.settings().auth().adminEmail();
    String password = context.settings().auth().adminPassword();
    if (email.isBlank() || password.isBlank()) {
      return;
    }
    String accountId = Account.normalizeEmail(email);
    String hash = Passwords.hash(password.toCharArray());
    context.<Account.State>askAccount(accountId, Account.Get::new).handle((existing, missing) -> {
      if (missing == null) {
        return existing;
      }
      context.<Account.State>askAccount(accountId, replyTo -> new Account.SignUp(Account.newUserId(), hash,
          Initiator.system("admin-bootstrap"), replyTo)).whenComplete((created, failure) -> {
            if (failure != null) {
              log.error("Could not create the admin account {}: {}", accountId, failure.getMessage());
            } else {
              log.info("Created the admin account {}", accountId);
            }
          });
      return null;
    });
  }
}
