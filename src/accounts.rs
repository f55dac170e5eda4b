//! Accounts: registering users with their password hash, checking credentials, and making
//! sure an admin exists. Used by the HTTP layer and by `bestiary create-admin`.

use crate::auth::PasswordHasher;
use crate::auth::passwords::HashError;
use commands::handler::Command;
use commands::store::Loaded;
use commands::{CommandError, CommandHandler, Executed, SideWrite, StoreError};
use domain::user::{User, UserCommand, UserError, UserState};
use domain::values::{DisplayName, Email, Password};
use domain::{Actor, Role, UniqueSet, UserId};
use uuid::Uuid;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The e-mail or password is wrong (which one is not said).
    #[error("wrong e-mail or password")]
    WrongCredentials,
    /// The user command was refused or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError<UserError>),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<StoreError> for AccountError {
    fn from(error: StoreError) -> Self {
        AccountError::Command(CommandError::Store(error))
    }
}

/// The uniqueness key an e-mail address as typed names, whether or not it is registered. An
/// address stored before today's rules (NFKC, one script) may not parse any more: it is
/// looked up as it was stored, lower-cased, so its owner can still log in.
pub fn email_key(typed: &str) -> String {
    Email::parse(typed).map_or_else(
        |_| typed.trim().to_lowercase(),
        |email| email.as_str().to_owned(),
    )
}

/// A new user's validated details.
#[derive(Debug)]
pub struct Registration {
    /// Their e-mail address.
    pub email: Email,
    /// Their password.
    pub password: Password,
    /// The name shown to others.
    pub display_name: DisplayName,
}

/// User accounts over the command handler.
#[derive(Clone, Debug)]
pub struct Accounts {
    commands: CommandHandler,
    hasher: PasswordHasher,
}

impl Accounts {
    /// Accounts hashing passwords with `hasher`.
    pub fn new(commands: CommandHandler, hasher: PasswordHasher) -> Self {
        Self { commands, hasher }
    }

    /// Registers a user; the password hash commits with the `UserRegistered` event. An e-mail
    /// that is taken already is refused before any hashing.
    /// `decorate` may add to the command (its answer, an idempotency key) before it runs.
    pub async fn register(
        &self,
        registration: Registration,
        role: Role,
        actor: Actor,
        correlation_id: Uuid,
        decorate: impl FnOnce(Command<User>) -> Command<User>,
    ) -> Result<(UserId, Executed), AccountError> {
        // A visibly taken e-mail costs no bcrypt time; the claim in the append still decides
        // between two registrations racing for a free one.
        let taken = self
            .commands
            .store()
            .unique_owner(UniqueSet::UserEmail, registration.email.as_str())
            .await?;
        if taken.is_some() {
            return Err(StoreError::Taken(UniqueSet::UserEmail).into());
        }
        let hash = self.hasher.hash(&registration.password).await?;
        let command = UserCommand::Register {
            email: registration.email,
            display_name: registration.display_name,
            role,
        };
        let command = Command::<User>::on_a_new_stream(command, actor, correlation_id);
        let user_id = command.stream_id;
        let command = command.with_side_write(SideWrite::PasswordHash { user_id, hash });
        let executed = self.commands.execute(decorate(command)).await?;
        Ok((UserId::from_uuid(user_id), executed))
    }

    /// Checks an e-mail and password; an unknown e-mail costs as much time as a wrong password.
    /// The user's id and current state (role, session epoch).
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(UserId, UserState), AccountError> {
        let user = self.find_key(&email_key(email)).await?;
        let hash = match &user {
            Some((id, _)) => self.commands.store().password_hash(id.as_uuid()).await?,
            None => None,
        };
        if !self.hasher.verify(password, hash).await? {
            return Err(AccountError::WrongCredentials);
        }
        user.ok_or(AccountError::WrongCredentials)
    }

    /// Whether `password` is the user's current password.
    pub async fn check_password(&self, user: UserId, password: &str) -> Result<bool, AccountError> {
        let hash = self.commands.store().password_hash(user.as_uuid()).await?;
        Ok(hash.is_some() && self.hasher.verify(password, hash).await?)
    }

    /// Changes a user's password; the new hash commits with `UserPasswordChanged`.
    pub async fn change_password(
        &self,
        user: UserId,
        password: &Password,
        actor: Actor,
        correlation_id: Uuid,
        decorate: impl FnOnce(Command<User>) -> Command<User>,
    ) -> Result<Executed, AccountError> {
        let hash = self.hasher.hash(password).await?;
        let user_id = user.as_uuid();
        let command = Command::<User>::new(
            user_id,
            UserCommand::ChangePassword { user },
            actor,
            correlation_id,
        )
        .with_side_write(SideWrite::PasswordHash { user_id, hash });
        Ok(self.commands.execute(decorate(command)).await?)
    }

    /// Ends every session of a user ("log out everywhere"): tokens issued before are refused.
    pub async fn end_sessions(
        &self,
        user: UserId,
        actor: Actor,
        correlation_id: Uuid,
        decorate: impl FnOnce(Command<User>) -> Command<User>,
    ) -> Result<Executed, AccountError> {
        let command = Command::<User>::new(
            user.as_uuid(),
            UserCommand::EndSessions { user },
            actor,
            correlation_id,
        );
        Ok(self.commands.execute(decorate(command)).await?)
    }

    /// Forgets a user: `UserForgotten` is recorded and, in the same transaction, their data
    /// key, password hash and the answers naming them are deleted, and their e-mail is freed.
    pub async fn forget(
        &self,
        user: UserId,
        actor: Actor,
        correlation_id: Uuid,
        decorate: impl FnOnce(Command<User>) -> Command<User>,
    ) -> Result<Executed, AccountError> {
        let subject = user.as_uuid();
        let command =
            Command::<User>::new(subject, UserCommand::Forget { user }, actor, correlation_id)
                .with_side_write(SideWrite::Forget { subject });
        Ok(self.commands.execute(decorate(command)).await?)
    }

    /// Makes sure `email` is an admin: registers them (with `password`) or promotes them.
    /// Instances starting together may race to register the same admin: the one that loses
    /// the e-mail finds the winner's user and promotes it (a no-op), so every instance starts.
    pub async fn ensure_admin(&self, registration: Registration) -> Result<UserId, AccountError> {
        let email = registration.email.clone();
        if self.find(&email).await?.is_none() {
            let registered = self
                .register(
                    registration,
                    Role::Admin,
                    Actor::System,
                    Uuid::now_v7(),
                    |command| command,
                )
                .await;
            match registered {
                Ok((id, _)) => return Ok(id),
                Err(AccountError::Command(CommandError::Store(StoreError::Taken(
                    UniqueSet::UserEmail,
                )))) => {}
                Err(error) => return Err(error),
            }
        }
        let Some((id, _)) = self.find(&email).await? else {
            return Err(StoreError::Taken(UniqueSet::UserEmail).into());
        };
        let promote = UserCommand::ChangeRole(Role::Admin);
        self.commands
            .execute(Command::<User>::new(
                id.as_uuid(),
                promote,
                Actor::System,
                Uuid::now_v7(),
            ))
            .await?;
        Ok(id)
    }

    /// The user with this e-mail, with their current state.
    pub async fn find(&self, email: &Email) -> Result<Option<(UserId, UserState)>, AccountError> {
        self.find_key(email.as_str()).await
    }

    /// The user holding this e-mail key in the uniqueness set, with their current state.
    async fn find_key(&self, key: &str) -> Result<Option<(UserId, UserState)>, AccountError> {
        let store = self.commands.store();
        let Some(id) = store.unique_owner(UniqueSet::UserEmail, key).await? else {
            return Ok(None);
        };
        let Loaded { state, .. } = store.load::<User>(id).await?;
        Ok(state.0.map(|user| (UserId::from_uuid(id), user)))
    }
}
