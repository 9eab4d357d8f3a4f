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
