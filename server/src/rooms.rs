//! The rooms of one server: `/ws` is the default room, `/ws/<name>` a room
//! of its own, with its own history, presence, typing and ids (and, with
//! Redis, its own keys and channel), opened on first use.

use crate::store::{Store, StoreResult};
use crate::{ServerFrame, Settings, BACKLOG, PRESENCE_COALESCE};
use std::{collections::HashMap, path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::{Mutex, Notify};

/// At most this many rooms per process (a name is free to make up).
pub const MAX_ROOMS: usize = 1000;

/// One room: its store and its coalesced presence announcements.
pub struct Room {
    pub store: Arc<Store>,
    /// Someone joined or left: the presence list goes out (coalesced).
    pub presence: Arc<Notify>,
}

/// Every room this process has opened.
#[derive(Default)]
pub struct Rooms {
    open: Mutex<HashMap<String, Arc<Room>>>,
}

/// Whether `name` can name a room: 1 to 64 letters, digits, `-` or `_`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Room `name`'s history file beside the default room's: `history.jsonl`
/// gives `history.NAME.jsonl`.
fn history_file(settings: &Settings, name: &str) -> Option<PathBuf> {
    let path = settings.history_file.as_ref()?;
    if name.is_empty() {
        return Some(path.clone());
    }
    let stem = path.file_stem()?.to_string_lossy();
    let file = match path.extension() {
        Some(ext) => format!("{stem}.{name}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{name}"),
    };
    Some(path.with_file_name(file))
}

impl Rooms {
    /// Room `name` (empty: the default room), opened if it is not yet.
    pub async fn get(&self, name: &str, settings: &Settings) -> StoreResult<Arc<Room>> {
        let mut open = self.open.lock().await;
        if let Some(room) = open.get(name) {
            return Ok(room.clone());
        }
        if open.len() >= MAX_ROOMS {
            return Err(format!("this server holds at most {MAX_ROOMS} rooms"));
        }
        let room = Arc::new(Self::open(name, settings).await?);
        open.insert(name.to_string(), room.clone());
        Ok(room)
    }

    /// Every open room.
    pub async fn all(&self) -> Vec<Arc<Room>> {
        self.open.lock().await.values().cloned().collect()
    }

    async fn open(name: &str, settings: &Settings) -> StoreResult<Room> {
        let store = match &settings.redis {
            Some(url) => Store::redis(url, name, settings.history, BACKLOG).await?,
            None => Arc::new(
                Store::memory(
                    settings.history,
                    history_file(settings, name).as_deref(),
                    BACKLOG,
                )
                .map_err(|e| e.to_string())?,
            ),
        };
        let presence = Arc::new(Notify::new());
        {
            // One presence list per burst of joins and leaves, not one per
            // change: with many clients joining at once, per-change lists
            // are quadratic.
            let (store, presence) = (store.clone(), presence.clone());
            tokio::spawn(async move {
                loop {
                    presence.notified().await;
                    tokio::time::sleep(PRESENCE_COALESCE).await;
                    let sent = match store.users().await {
                        Ok(users) => {
                            store
                                .publish(ServerFrame::Presence { users }, false, None)
                                .await
                        }
                        Err(e) => Err(e),
                    };
                    if let Err(e) = sent {
                        tracing::warn!("{e}");
                    }
                }
            });
        }
        if settings.redis.is_some() {
            // Presence in Redis expires unless refreshed: a crashed server stops counting.
            let (store, every) = (
                store.clone(),
                settings.heartbeat.min(Duration::from_secs(20)),
            );
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = store.sync_names().await {
                        tracing::warn!("{e}");
                    }
                }
            });
        }
        Ok(Room { store, presence })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_their_history_files() {
        for good in ["lab", "room-2", "a_b", &"x".repeat(64)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "a b", "a/b", "a*", "é", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
        let mut settings = Settings::new("dist");
        assert_eq!(history_file(&settings, "lab"), None);
        settings.history_file = Some("/var/h/history.jsonl".into());
        assert_eq!(
            history_file(&settings, ""),
            Some("/var/h/history.jsonl".into())
        );
        assert_eq!(
            history_file(&settings, "lab"),
            Some("/var/h/history.lab.jsonl".into())
        );
    }
}
