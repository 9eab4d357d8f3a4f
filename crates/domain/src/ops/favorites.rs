//! Favorites: a user stars or unstars a live flag or a project for
//! themselves (Unleash's `/favorites` routes). Per-user view state, like
//! Unleash it records no event, so it makes no revision and no snapshot
//! reloads. Starring twice, or unstarring what is not starred, is no error
//! (as in Unleash); an unknown project, an unknown or archived flag, or a
//! flag of another project is 404.

use serde::{Deserialize, Serialize};

use super::{Context, FlagName, OpError, OpResult, Operation, ProjectId};
use flagstaff_storage::{FavoriteKind, WriteTx};

/// What to star: a project, or a flag in its project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FavoriteTarget {
    Project(ProjectId),
    Flag { project: ProjectId, flag: FlagName },
}

/// Stars (`favorite: true`) or unstars a target for one user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetFavorite {
    pub user_id: i64,
    pub target: FavoriteTarget,
    pub favorite: bool,
}

impl Operation for SetFavorite {
    type Output = ();

    async fn run(self, w: &mut WriteTx<'_>, _cx: &Context) -> OpResult<()> {
        let (kind, name) = match &self.target {
            FavoriteTarget::Project(project) => {
                if !w.project_exists(project).await? {
                    return Err(OpError::NotFound(format!(
                        "Could not find project {project}"
                    )));
                }
                (FavoriteKind::Project, project.to_string())
            }
            FavoriteTarget::Flag { project, flag } => {
                w.live_flag(project, flag).await?;
                (FavoriteKind::Flag, flag.to_string())
            }
        };
        if w.user_by_id(self.user_id).await?.is_none() {
            return Err(OpError::NotFound(format!(
                "Could not find user {}",
                self.user_id
            )));
        }
        if self.favorite {
            w.add_favorite(kind, self.user_id, &name).await?;
        } else {
            w.remove_favorite(kind, self.user_id, &name).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing::OpBench;
    use crate::ops::{CreateUser, HashedPassword, RootRole};

    fn star(user_id: i64, project: &str, favorite: bool) -> SetFavorite {
        SetFavorite {
            user_id,
            target: FavoriteTarget::Project(ProjectId::parse(project).expect("an id")),
            favorite,
        }
    }

    #[tokio::test]
    async fn a_star_is_the_users_own_and_no_revision() {
        let bench = OpBench::new().await.expect("a store");
        let user = bench
            .apply(CreateUser {
                username: "ada".to_owned(),
                email: None,
                name: None,
                password: HashedPassword::hash("a long enough password")
                    .await
                    .expect("hashed"),
                root_role: RootRole::Viewer,
                only_if_first: false,
            })
            .await
            .expect("a user")
            .output;
        let starred = bench
            .apply(star(user.id, "default", true))
            .await
            .expect("starred");
        assert_eq!(starred.committed.revision, None);
        let stars = bench.store.favorites(FavoriteKind::Project, user.id).await;
        assert_eq!(stars.expect("read"), ["default".to_owned()].into());
        assert!(matches!(
            bench.apply(star(user.id, "nowhere", true)).await,
            Err(OpError::NotFound(_))
        ));
        assert!(matches!(
            bench.apply(star(user.id + 1, "default", true)).await,
            Err(OpError::NotFound(_))
        ));
        bench
            .apply(star(user.id, "default", false))
            .await
            .expect("unstarred");
        let stars = bench.store.favorites(FavoriteKind::Project, user.id).await;
        assert!(stars.expect("read").is_empty());
    }
}
