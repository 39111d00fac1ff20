//! Where the room lives: its history (with `seq` numbers and ids), who is
//! here, and the fan-out of events to every connection. In memory for one
//! process, or in Redis so several processes behind one address are one room.

use crate::{now_ms, Event};
use redis::AsyncCommands;
use roomcast::protocol::envelope::ServerFrame;
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    path::Path,
    sync::{Arc, Mutex, MutexGuard},
};
use tokio::sync::broadcast;

/// The Redis keys of one room. The default room keeps the names it always
/// had (`roomcast:events`, ...); room `R` has `roomcast:room:R:events`, ...
#[derive(Clone, Debug)]
struct Keys {
    channel: String,
    binary: String,
    seq: String,
    history: String,
    users: String,
    ids: String,
}

impl Keys {
    fn of(room: &str) -> Keys {
        let base = if room.is_empty() {
            "roomcast:".to_string()
        } else {
            format!("roomcast:room:{room}:")
        };
        Keys {
            channel: format!("{base}events"),
            binary: format!("{base}binary"),
            seq: format!("{base}seq"),
            history: format!("{base}history"),
            users: format!("{base}users:"),
            ids: format!("{base}id:"),
        }
    }
}
/// How long a message id is remembered in Redis to confirm resends.
const ID_TTL_SECS: u64 = 24 * 3600;

/// An event as it travels between servers.
#[derive(Serialize, Deserialize)]
struct Published {
    frame: ServerFrame,
    plain: bool,
    /// `(server, connection)` that does not get it.
    except: Option<(u64, u64)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these maps half-changed.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sequence numbers start from the clock (×1000), so they keep increasing
/// across restarts even without a history file.
fn clock_seq() -> u64 {
    now_ms().saturating_mul(1000)
}

fn seq_of(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::Message { seq, .. } => *seq,
        _ => 0,
    }
}

/// The recent messages, oldest first, indexed by id (in memory; optionally
/// appended to a file, one JSON frame per line, compacted at start).
struct History {
    limit: usize,
    frames: VecDeque<ServerFrame>,
    by_id: HashMap<String, ServerFrame>,
    file: Option<std::fs::File>,
    last_seq: u64,
}

impl History {
    fn open(limit: usize, path: Option<&Path>) -> std::io::Result<History> {
        let mut history = History {
            limit,
            frames: VecDeque::new(),
            by_id: HashMap::new(),
            file: None,
            last_seq: 0,
        };
        if let Some(path) = path {
            if let Ok(text) = std::fs::read_to_string(path) {
                for line in text.lines() {
                    if let Ok(frame) = serde_json::from_str::<ServerFrame>(line) {
                        history.remember(frame);
                    }
                }
            }
            let compacted: String = history.frames.iter().map(|f| f.to_json() + "\n").collect();
            std::fs::write(path, compacted)?;
            history.file = Some(std::fs::OpenOptions::new().append(true).open(path)?);
        }
        history.last_seq = history.last_seq.max(clock_seq());
        Ok(history)
    }

    fn remember(&mut self, frame: ServerFrame) {
        self.last_seq = self.last_seq.max(seq_of(&frame));
        if self.limit == 0 {
            return;
        }
        if self.frames.len() == self.limit {
            if let Some(ServerFrame::Message { id: Some(old), .. }) = self.frames.pop_front() {
                self.by_id.remove(&old);
            }
        }
        if let ServerFrame::Message { id: Some(id), .. } = &frame {
            self.by_id.insert(id.clone(), frame.clone());
        }
        self.frames.push_back(frame);
    }

    fn push(&mut self, frame: ServerFrame) {
        if let Some(file) = &mut self.file {
            use std::io::Write;
            if let Err(e) = writeln!(file, "{}", frame.to_json()) {
                tracing::warn!("history file: {e}");
            }
        }
        self.remember(frame);
    }
}

/// Redis connections and this process's identity among the servers.
struct Shared {
    conn: redis::aio::ConnectionManager,
    limit: usize,
    keys: Keys,
}

enum Backend {
    Memory(Mutex<History>),
    Redis(Shared),
}

/// The room's storage and fan-out. Cheap to share (`Arc` inside).
pub struct Store {
    backend: Backend,
    /// This process among the servers of one room.
    pub server_id: u64,
    /// Every event for this process's connections.
    pub events: broadcast::Sender<Arc<Event>>,
    /// Names of this process's connections that said hello.
    names: Mutex<BTreeMap<u64, String>>,
}

/// Why the store could not do something.
pub type StoreResult<T> = Result<T, String>;

fn redis_err(e: redis::RedisError) -> String {
    format!("redis: {e}")
}

impl Store {
    /// The in-memory store (with an optional history file).
    pub fn memory(limit: usize, file: Option<&Path>, backlog: usize) -> std::io::Result<Store> {
        Ok(Store {
            backend: Backend::Memory(Mutex::new(History::open(limit, file)?)),
            server_id: rand_id(),
            events: broadcast::channel(backlog).0,
            names: Mutex::new(BTreeMap::new()),
        })
    }

    /// The Redis store of `room` (empty: the default room) at `url`;
    /// starts the task that relays what other servers publish to this
    /// process's connections in that room.
    pub async fn redis(
        url: &str,
        room: &str,
        limit: usize,
        backlog: usize,
    ) -> StoreResult<Arc<Store>> {
        let keys = Keys::of(room);
        let client = redis::Client::open(url).map_err(redis_err)?;
        let mut conn = client.get_connection_manager().await.map_err(redis_err)?;
        // Sequence numbers start from the clock, like in memory; never go back.
        let _: bool = conn
            .set_nx(&keys.seq, clock_seq())
            .await
            .map_err(redis_err)?;
        let (channel, binary) = (keys.channel.clone(), keys.binary.clone());
        let store = Arc::new(Store {
            backend: Backend::Redis(Shared { conn, limit, keys }),
            server_id: rand_id(),
            events: broadcast::channel(backlog).0,
            names: Mutex::new(BTreeMap::new()),
        });
        let mut pubsub = client.get_async_pubsub().await.map_err(redis_err)?;
        pubsub
            .subscribe(&[&channel, &binary])
            .await
            .map_err(redis_err)?;
        let events = store.events.clone();
        tokio::spawn(async move {
            use futures_util::StreamExt;
            let mut messages = pubsub.on_message();
            while let Some(msg) = messages.next().await {
                let event = if msg.get_channel_name() == binary {
                    Event::Binary(msg.get_payload_bytes().to_vec().into())
                } else {
                    match serde_json::from_slice::<Published>(msg.get_payload_bytes()) {
                        Ok(p) => Event::room(&p.frame, p.plain, p.except),
                        Err(e) => {
                            tracing::warn!("redis: an unreadable event: {e}");
                            continue;
                        }
                    }
                };
                let _ = events.send(Arc::new(event));
            }
            tracing::error!(
                "redis: the subscription ended; other servers' events no longer arrive"
            );
        });
        Ok(store)
    }

    fn conn(&self) -> Option<(redis::aio::ConnectionManager, &Keys)> {
        match &self.backend {
            Backend::Redis(shared) => Some((shared.conn.clone(), &shared.keys)),
            Backend::Memory(_) => None,
        }
    }

    /// Sends an event to every connection of every server.
    pub async fn publish(
        &self,
        frame: ServerFrame,
        plain: bool,
        except: Option<(u64, u64)>,
    ) -> StoreResult<()> {
        match self.conn() {
            None => {
                let _ = self
                    .events
                    .send(Arc::new(Event::room(&frame, plain, except)));
                Ok(())
            }
            Some((mut conn, keys)) => {
                let json = serde_json::to_string(&Published {
                    frame,
                    plain,
                    except,
                })
                .map_err(|e| e.to_string())?;
                conn.publish::<_, _, ()>(&keys.channel, json)
                    .await
                    .map_err(redis_err)
            }
        }
    }

    /// Relays a binary frame to every connection of every server.
    pub async fn publish_binary(&self, bytes: axum::body::Bytes) -> StoreResult<()> {
        match self.conn() {
            None => {
                let _ = self.events.send(Arc::new(Event::Binary(bytes)));
                Ok(())
            }
            Some((mut conn, keys)) => conn
                .publish::<_, _, ()>(&keys.binary, bytes.to_vec())
                .await
                .map_err(redis_err),
        }
    }

    /// Broadcasts and records a chat line, unless a message with this id was
    /// broadcast already: then returns that one, to confirm it to its sender.
    pub async fn chat(
        &self,
        id: Option<String>,
        from: String,
        text: String,
        plain: bool,
    ) -> StoreResult<Option<ServerFrame>> {
        let ts = now_ms();
        match &self.backend {
            Backend::Memory(history) => {
                // One lock keeps seq order, history order and broadcast order the same.
                let mut history = lock(history);
                if let Some(earlier) = id.as_ref().and_then(|id| history.by_id.get(id)) {
                    return Ok(Some(earlier.clone()));
                }
                let seq = history.last_seq + 1;
                let frame = ServerFrame::Message {
                    id,
                    seq,
                    from,
                    text,
                    ts,
                };
                let event = Event::room(&frame, plain, None);
                history.push(frame);
                let _ = self.events.send(Arc::new(event));
                Ok(None)
            }
            Backend::Redis(shared) => {
                let mut conn = shared.conn.clone();
                let key = id.as_ref().map(|id| format!("{}{id}", shared.keys.ids));
                if let Some(key) = &key {
                    let earlier: Option<String> = conn.get(key).await.map_err(redis_err)?;
                    if let Some(earlier) = earlier.and_then(|j| serde_json::from_str(&j).ok()) {
                        return Ok(Some(earlier));
                    }
                }
                let seq: u64 = conn.incr(&shared.keys.seq, 1).await.map_err(redis_err)?;
                let frame = ServerFrame::Message {
                    id,
                    seq,
                    from,
                    text,
                    ts,
                };
                let json = frame.to_json();
                if let Some(key) = &key {
                    let opts = redis::SetOptions::default()
                        .conditional_set(redis::ExistenceCheck::NX)
                        .with_expiration(redis::SetExpiry::EX(ID_TTL_SECS));
                    let fresh: Option<String> = conn
                        .set_options(key, &json, opts)
                        .await
                        .map_err(redis_err)?;
                    if fresh.is_none() {
                        // Another server took this id a moment ago.
                        let earlier: Option<String> = conn.get(key).await.map_err(redis_err)?;
                        return Ok(earlier.and_then(|j| serde_json::from_str(&j).ok()));
                    }
                }
                let limit = shared.limit as isize;
                if limit > 0 {
                    redis::pipe()
                        .rpush(&shared.keys.history, &json)
                        .ltrim(&shared.keys.history, -limit, -1)
                        .exec_async(&mut conn)
                        .await
                        .map_err(redis_err)?;
                }
                self.publish(frame, plain, None).await?;
                Ok(None)
            }
        }
    }

    /// The recent messages after `since` (all recent ones without it), oldest first.
    /// A `since` from before this history (or from another clock) gets them all.
    pub async fn history(&self, since: Option<u64>) -> StoreResult<Vec<ServerFrame>> {
        let mut frames: Vec<ServerFrame> = match &self.backend {
            Backend::Memory(history) => lock(history).frames.iter().cloned().collect(),
            Backend::Redis(shared) => {
                let mut conn = shared.conn.clone();
                let list: Vec<String> = conn
                    .lrange(&shared.keys.history, 0, -1)
                    .await
                    .map_err(redis_err)?;
                let mut frames: Vec<ServerFrame> = list
                    .iter()
                    .filter_map(|j| serde_json::from_str(j).ok())
                    .collect();
                frames.sort_by_key(seq_of);
                frames
            }
        };
        let newest = frames.last().map_or(0, seq_of);
        if let Some(since) = since.filter(|s| *s <= newest) {
            frames.retain(|f| seq_of(f) > since);
        }
        Ok(frames)
    }

    /// This process's name for connection `conn`, if it said hello.
    pub fn name_of(&self, conn: u64) -> Option<String> {
        lock(&self.names).get(&conn).cloned()
    }

    /// Everyone in the room (on every server), sorted.
    pub async fn users(&self) -> StoreResult<Vec<String>> {
        let mut users: Vec<String> = match self.conn() {
            None => lock(&self.names).values().cloned().collect(),
            Some((mut conn, room_keys)) => {
                let pattern = format!("{}*", room_keys.users);
                let keys: Vec<String> = conn.keys(pattern).await.map_err(redis_err)?;
                let mut all = Vec::new();
                for key in keys {
                    let names: Vec<String> = conn.hvals(&key).await.map_err(redis_err)?;
                    all.extend(names);
                }
                all
            }
        };
        users.sort();
        Ok(users)
    }

    /// Grants `wanted`, or `wanted2`, `wanted3`… if someone has it.
    pub async fn claim(&self, conn: u64, wanted: &str) -> StoreResult<String> {
        let taken = self.users().await?;
        let mut name = wanted.to_string();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        lock(&self.names).insert(conn, name.clone());
        self.sync_names().await?;
        Ok(name)
    }

    /// Forgets connection `conn`'s name; returns it.
    pub async fn release(&self, conn: u64) -> StoreResult<Option<String>> {
        let name = lock(&self.names).remove(&conn);
        self.sync_names().await?;
        Ok(name)
    }

    /// Writes this process's names to Redis with a lifetime, so a server that
    /// dies stops counting after `ttl` (called again on every heartbeat).
    pub async fn sync_names(&self) -> StoreResult<()> {
        let Some((mut conn, keys)) = self.conn() else {
            return Ok(());
        };
        let key = format!("{}{}", keys.users, self.server_id);
        let names: Vec<(u64, String)> = lock(&self.names)
            .iter()
            .map(|(c, n)| (*c, n.clone()))
            .collect();
        let mut pipe = redis::pipe();
        pipe.atomic().del(&key);
        if !names.is_empty() {
            pipe.hset_multiple(&key, &names).expire(&key, 60);
        }
        pipe.exec_async(&mut conn).await.map_err(redis_err)
    }

    /// Removes this process's presence (on shutdown).
    pub async fn leave_all(&self) {
        lock(&self.names).clear();
        if let Err(e) = self.sync_names().await {
            tracing::warn!("{e}");
        }
    }
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_ms());
    h.finish()
}
