//! The in-memory identity store: people, groups and memberships, unknown to SSO Admin for the
//! consistency lag after they are made.

use super::*;

impl IdentityStore for MemorySso {
    async fn find_user_id(&self, _store: &str, user_name: &str) -> AwsResult<Option<String>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .users
            .iter()
            .find(|(_, person)| person.user_name == user_name)
            .map(|(id, _)| id.clone()))
    }

    async fn describe_user(&self, _store: &str, user_id: &str) -> AwsResult<IdentityUser> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        state
            .users
            .get(user_id)
            .map(|person| IdentityUser {
                display_name: Some(person.display_name.clone()),
                email: Some(person.email.clone()),
            })
            .ok_or_else(|| not_found("identitystore:DescribeUser", user_id))
    }

    async fn create_user(&self, _store: &str, person: &NewPerson) -> AwsResult<String> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("identitystore:CreateUser {}", person.user_name));
        if state
            .users
            .values()
            .any(|p| p.user_name == person.user_name)
        {
            return Err(AwsError::new(
                "identitystore:CreateUser",
                AwsErrorKind::Conflict,
                "ConflictException",
                "duplicate user name",
            ));
        }
        let id = format!("user-{}", person.user_name);
        state.users.insert(id.clone(), person.clone());
        state.made(&id);
        if self.behaviour.lock().unwrap().create_user_answer_lost {
            return Err(AwsError::new(
                "identitystore:CreateUser",
                AwsErrorKind::Conflict,
                "ConflictException",
                "duplicate user name",
            ));
        }
        Ok(id)
    }

    async fn delete_user(&self, _store: &str, user_id: &str) -> AwsResult<()> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("identitystore:DeleteUser {user_id}"));
        state
            .users
            .remove(user_id)
            .map(|_| ())
            .ok_or_else(|| not_found("identitystore:DeleteUser", user_id))
    }

    async fn list_group_memberships_for_member(
        &self,
        _store: &str,
        user_id: &str,
    ) -> AwsResult<Vec<GroupMembership>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .memberships
            .iter()
            .filter(|(_, _, member)| member == user_id)
            .map(|(membership_id, group_id, _)| GroupMembership {
                membership_id: membership_id.clone(),
                group_id: group_id.clone(),
            })
            .collect())
    }

    async fn describe_group(&self, _store: &str, group_id: &str) -> AwsResult<String> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        state
            .groups
            .get(group_id)
            .cloned()
            .ok_or_else(|| not_found("identitystore:DescribeGroup", group_id))
    }

    async fn find_group(
        &self,
        _store: &str,
        display_name: &str,
    ) -> AwsResult<Option<(String, String)>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .groups
            .iter()
            .find(|(_, name)| *name == display_name)
            .map(|(id, _)| {
                let description = state
                    .group_descriptions
                    .get(id)
                    .cloned()
                    .unwrap_or_default();
                (id.clone(), description)
            }))
    }

    async fn create_group(
        &self,
        _store: &str,
        display_name: &str,
        description: &str,
    ) -> AwsResult<String> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state
            .calls
            .push(format!("identitystore:CreateGroup {display_name}"));
        if state.groups.values().any(|name| name == display_name) {
            return Err(AwsError::new(
                "identitystore:CreateGroup",
                AwsErrorKind::Conflict,
                "ConflictException",
                "duplicate display name",
            ));
        }
        let id = format!("g-{display_name}");
        state.groups.insert(id.clone(), display_name.to_string());
        state.made(&id);
        state
            .group_descriptions
            .insert(id.clone(), description.to_string());
        Ok(id)
    }

    async fn create_group_membership(
        &self,
        _store: &str,
        group_id: &str,
        user_id: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!(
            "identitystore:CreateGroupMembership {group_id} {user_id}"
        ));
        Self::known(
            &state,
            "identitystore:CreateGroupMembership",
            &[group_id, user_id],
        )?;
        if state
            .memberships
            .iter()
            .any(|(_, group, member)| group == group_id && member == user_id)
        {
            return Err(AwsError::new(
                "identitystore:CreateGroupMembership",
                AwsErrorKind::Conflict,
                "ConflictException",
                "already a member",
            ));
        }
        state.next_id += 1;
        let id = format!("m-{}", state.next_id);
        state
            .memberships
            .insert((id, group_id.to_string(), user_id.to_string()));
        Ok(())
    }

    async fn delete_group_membership(&self, _store: &str, membership_id: &str) -> AwsResult<()> {
        self.wait().await;
        let mut state = self.state.lock().unwrap();
        state.calls.push(format!(
            "identitystore:DeleteGroupMembership {membership_id}"
        ));
        let before = state.memberships.len();
        state.memberships.retain(|(id, _, _)| id != membership_id);
        if state.memberships.len() == before {
            return Err(not_found(
                "identitystore:DeleteGroupMembership",
                membership_id,
            ));
        }
        Ok(())
    }

    async fn list_identity_users(&self, _store: &str) -> AwsResult<Vec<(String, String)>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .users
            .iter()
            .map(|(id, person)| (id.clone(), person.user_name.clone()))
            .collect())
    }

    async fn list_identity_groups(&self, _store: &str) -> AwsResult<Vec<IdentityGroup>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .groups
            .iter()
            .map(|(id, name)| IdentityGroup {
                id: id.clone(),
                name: name.clone(),
                description: state
                    .group_descriptions
                    .get(id)
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect())
    }

    async fn list_group_members(
        &self,
        _store: &str,
        group_id: &str,
    ) -> AwsResult<Vec<(String, String)>> {
        self.wait().await;
        let state = self.state.lock().unwrap();
        Ok(state
            .memberships
            .iter()
            .filter(|(_, group, _)| group == group_id)
            .map(|(membership, _, member)| (membership.clone(), member.clone()))
            .collect())
    }
}
