//! The fake's roles, accounts and second factors ([`super::FakeDirectory`]).

use super::*;

#[async_trait]
impl RoleDirectory for FakeDirectory {
    async fn grant_role(&self, person: &EntryRef, role: &AdminRole) -> DirectoryResult<bool> {
        let mut t = self.lock();
        if !t.people.contains_key(&person.id) {
            return Err(DirectoryError::NotFound(person.dn.clone()));
        }
        let grant = (person.id.clone(), role.clone());
        if t.roles.contains(&grant) {
            return Ok(false);
        }
        t.roles.push(grant);
        Ok(true)
    }

    async fn roles_of(&self, person: &EntryRef) -> DirectoryResult<Vec<AdminRole>> {
        let t = self.lock();
        Ok((t.roles.iter())
            .filter(|(p, _)| *p == person.id)
            .map(|(_, r)| r.clone())
            .collect())
    }

    async fn local_administrators(&self, school: &SchoolCode) -> DirectoryResult<Vec<PersonEntry>> {
        let t = self.lock();
        let role = AdminRole::LocalAdministrator(school.clone());
        Ok((t.roles.iter())
            .filter(|(_, r)| *r == role)
            .filter_map(|(p, _)| t.people.get(p).map(|s| s.person.clone()))
            .collect())
    }
}

#[async_trait]
impl AccountDirectory for FakeDirectory {
    async fn verify_password(
        &self,
        login: &LoginName,
        password: &SecretString,
    ) -> DirectoryResult<PasswordCheck> {
        use argon2::PasswordVerifier;
        let now = self.clock.now();
        let stored = {
            let t = self.lock();
            t.people
                .values()
                .find(|s| &s.person.login == login)
                .cloned()
        };
        let Some(s) = stored else {
            return Ok(PasswordCheck::Wrong);
        };
        let p = &s.person;
        let locked = p.account_state == AccountState::Locked || !p.profile.employment_active;
        let ended = p.initial_password_expires.is_some_and(|end| now >= end);
        let Some(hash) = s.password.filter(|_| !locked && !ended) else {
            return Ok(PasswordCheck::Wrong);
        };
        let phc = argon2::PasswordHash::new(&hash.0)
            .map_err(|e| DirectoryError::Other(format!("stored hash: {e}")))?;
        let right = argon2::Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &phc)
            .is_ok();
        Ok(match right {
            true => PasswordCheck::Right {
                must_change: s.must_change,
            },
            false => PasswordCheck::Wrong,
        })
    }

    async fn set_initial_credentials(
        &self,
        account: AccountAt<'_>,
        credentials: &InitialCredentials,
    ) -> DirectoryResult<PersonEntry> {
        self.change_password(account, &credentials.hash, true, |s| {
            s.person.account_state = AccountState::AwaitingFirstLogin;
            s.person.initial_password_expires = Some(credentials.expires_at);
            if account.expect == AccountState::None {
                s.person.account_request = None;
            }
        })
    }

    async fn lock_account(&self, account: AccountAt<'_>) -> DirectoryResult<PersonEntry> {
        self.change_account(account, |s| {
            s.person.account_state = AccountState::Locked;
        })
    }

    async fn unlock_account(&self, id: &str) -> DirectoryResult<PersonEntry> {
        let locked = AccountAt {
            id,
            expect: AccountState::Locked,
            read: None,
        };
        self.change_account(locked, |s| {
            s.person.account_state = if s.must_change {
                AccountState::AwaitingFirstLogin
            } else if s.person.activated_at.is_some() {
                AccountState::Active
            } else {
                AccountState::AwaitingEmailConfirmation
            };
        })
    }

    async fn set_own_password(
        &self,
        account: AccountAt<'_>,
        hash: &PasswordHash,
    ) -> DirectoryResult<PersonEntry> {
        self.change_password(account, hash, false, |s| {
            if account.expect == AccountState::AwaitingFirstLogin {
                s.person.initial_password_expires = None;
                s.person.account_state = AccountState::AwaitingEmailConfirmation;
            }
        })
    }

    async fn set_confirmed_email(
        &self,
        AccountAt { id, expect, .. }: AccountAt<'_>,
        ConfirmedEmail { address: email, at }: ConfirmedEmail<'_>,
    ) -> DirectoryResult<PersonEntry> {
        self.write_person(id, |t| {
            let taken = t.people.values().any(|s| {
                s.person.entry.id != id
                    && (s.person.profile.emails.iter())
                        .any(|e| e.value.eq_ignore_ascii_case(email.as_str()))
            });
            if taken {
                return Err(DirectoryError::taken(Unique::Email, email.as_str()));
            }
            let s = t.expect_state(id, expect)?;
            s.person.profile.emails = vec![ContactEmail {
                value: email.as_str().to_owned(),
                kind: None,
                primary: true,
            }];
            if expect == AccountState::AwaitingEmailConfirmation {
                s.person.account_state = AccountState::Active;
                s.person.activated_at = Some(at);
            }
            Ok(())
        })
    }

    async fn set_account_request(
        &self,
        id: &str,
        request: Option<&AccountRequest>,
    ) -> DirectoryResult<PersonEntry> {
        self.write_person(id, |t| {
            let s = match request {
                Some(_) => t.expect_state(id, AccountState::None)?,
                None => t.person_mut(id)?,
            };
            s.person.account_request = request.cloned();
            Ok(())
        })
    }
}

#[async_trait]
impl SecondFactorDirectory for FakeDirectory {
    async fn second_factor(&self, id: &str) -> DirectoryResult<Option<StoredSecondFactor>> {
        Ok(self.lock().person_mut(id)?.second_factor.clone())
    }

    async fn set_second_factor(
        &self,
        id: &str,
        factor: Option<&StoredSecondFactor>,
    ) -> DirectoryResult<()> {
        self.lock().person_mut(id)?.second_factor = factor.cloned();
        Ok(())
    }

    async fn spend_totp_step(
        &self,
        id: &str,
        StepSpend { previous, step }: StepSpend,
    ) -> DirectoryResult<bool> {
        let mut t = self.lock();
        let Some(f) = t.person_mut(id)?.second_factor.as_mut() else {
            return Ok(false);
        };
        if f.last_step != previous {
            return Ok(false);
        }
        f.last_step = Some(step);
        Ok(true)
    }

    async fn spend_recovery_code(&self, id: &str, hash: &str) -> DirectoryResult<bool> {
        let mut t = self.lock();
        let Some(f) = t.person_mut(id)?.second_factor.as_mut() else {
            return Ok(false);
        };
        let before = f.recovery.len();
        f.recovery.retain(|h| h != hash);
        Ok(f.recovery.len() < before)
    }
}
