//! A project's API tokens (`/api/admin/projects/:p/api-tokens`, Unleash's
//! rules): backend (client) or frontend tokens of that one project only —
//! an admin token is a 400, an unknown project a 404 — and deleting through
//! a project only a token scoped to exactly that project (another token is
//! not found there). The token rules and events are `tokens.rs`'s.

use super::tokens::{find_token, CreateToken, CreatedToken, TokenRequest};
use super::{Context, FieldPath, OpError, OpResult, Operation, ProjectId};
use flagstaff_storage::{TokenKind, TokenRow, WriteTx};

async fn project(w: &mut WriteTx<'_>, project: &ProjectId) -> OpResult<()> {
    if w.project_exists(project.as_str()).await? {
        Ok(())
    } else {
        Err(OpError::NotFound(format!(
            "Could not find project {}",
            project.as_str()
        )))
    }
}

/// Creates a token of one project.
#[derive(Debug, Clone)]
pub struct CreateProjectToken {
    pub project: ProjectId,
    pub name: String,
    pub kind: TokenKind,
    pub environment: Option<String>,
    pub expires_at: Option<String>,
}

impl Operation for CreateProjectToken {
    type Output = CreatedToken;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<CreatedToken> {
        project(w, &self.project).await?;
        if self.kind == TokenKind::Admin {
            return Err(OpError::invalid(
                FieldPath::root().field("type"),
                "A project's token is a backend (client) or frontend token",
            ));
        }
        let request = TokenRequest {
            name: self.name,
            kind: self.kind,
            projects: vec![self.project.as_str().to_owned()],
            environment: self.environment,
            expires_at: self.expires_at,
        };
        CreateToken(request).run(w, cx).await
    }
}

/// Deletes a token scoped to exactly this project (by public id or secret).
#[derive(Debug, Clone)]
pub struct RevokeProjectToken {
    pub project: ProjectId,
    pub id_or_secret: String,
}

impl Operation for RevokeProjectToken {
    type Output = TokenRow;

    async fn run(self, w: &mut WriteTx<'_>, cx: &Context) -> OpResult<TokenRow> {
        project(w, &self.project).await?;
        let token = find_token(w, &self.id_or_secret).await?;
        if token.projects != [self.project.as_str()] {
            return Err(OpError::NotFound(format!(
                "Could not find API token in project {}",
                self.project.as_str()
            )));
        }
        super::RevokeToken {
            id_or_secret: token.id,
        }
        .run(w, cx)
        .await
    }
}
