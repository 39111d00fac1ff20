//! Chaos: the server killed or stopped at random moments, and TCP proxies
//! that cut or stall connections, while two clients type; exactly-once,
//! in-order delivery checked after.

use super::*;

/// Undoes a disruption when its time is up.
type Heal<'e> = Box<dyn FnOnce() -> Result<()> + 'e>;

/// A small xorshift for random moments (seeded from the clock).
struct Jitter(u64);

impl Jitter {
    /// Seeded from `ROOMCAST_CHAOS_SEED` to replay a run, else from the
    /// clock; the seed is printed either way.
    fn new(what: &str) -> Self {
        let seed = std::env::var("ROOMCAST_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        crate::figure(format!(
            "{what}: seed {seed} (replay with ROOMCAST_CHAOS_SEED={seed})"
        ));
        Jitter(seed)
    }
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo))
    }
}

/// Two clients each type a line every 200 ms while `disrupt` breaks things
/// `events` times at random moments (each disruption returns how long it
/// lasts and how to heal it), within `limit`. Then, once both settle, each
/// must have received every line the other typed exactly once, in order, and
/// have every own line delivered (nobody stuck needing a reload).
fn chaos<'e>(
    what: &str,
    (a, b): (&Session, &Session),
    events: usize,
    limit: Duration,
    mut disrupt: impl FnMut(usize, &mut Jitter) -> Result<(Duration, Heal<'e>)>,
) -> Result<()> {
    let started = Instant::now();
    let mut jitter = Jitter::new(what);
    let (mut typed_a, mut typed_b) = (Vec::new(), Vec::new());
    let mut done = 0;
    let mut next_event = Instant::now() + jitter.ms(800, 2000);
    let mut healing: Option<(Instant, Heal)> = None;
    while done < events {
        let n = typed_a.len() + 1;
        for (session, name, typed) in [(a, "a", &mut typed_a), (b, "b", &mut typed_b)] {
            let line = format!("{what} {name} {n}");
            session.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
            typed.push(line);
        }
        std::thread::sleep(Duration::from_millis(200));
        let now = Instant::now();
        match healing.take() {
            Some((at, heal)) if now >= at => {
                heal()?;
                done += 1;
                next_event = now + jitter.ms(800, 2200);
            }
            Some(pending) => healing = Some(pending),
            None if now >= next_event => {
                let (lasts, heal) = disrupt(done, &mut jitter)?;
                healing = Some((now + lasts, heal));
            }
            None => {}
        }
        ensure(started.elapsed() < limit, || {
            format!("{what}: only {done} of {events} disruptions within {limit:?}")
        })?;
    }
    let chaos_time = started.elapsed();
    // A page may wait out the longest reconnect delay (30 s: a connection
    // that never stayed up 10 s does not reset the backoff), then its queue
    // goes out at the server's 5 lines a second (a burst of 20 aside).
    let queued = typed_a.len().max(typed_b.len()) as u64;
    let settle = Duration::from_secs(30 + queued / 5 + 15);
    let last_a = typed_a.last().cloned().unwrap_or_default();
    let last_b = typed_b.last().cloned().unwrap_or_default();
    // A page that times out is shown; the other is summed up too, since the
    // line missing on one page may be stuck on the other (its status, its own
    // lines not delivered, its last lines).
    let other = |s: &Session| {
        view(s).map_or_else(
            |e| format!("unreadable: {e}"),
            |v| {
                let stuck: Vec<_> = v.lines.iter().filter(|l| undelivered(l)).collect();
                let last = &v.lines[v.lines.len().saturating_sub(6)..];
                format!(
                    "status {:?}; own lines not delivered {stuck:?}; last lines {last:?}",
                    v.status
                )
            },
        )
    };
    wait_view_for(b, "a's last line and b delivered", settle, |v| {
        v.status.contains("Connected") && v.count(&last_a) > 0 && all_delivered(v)
    })
    .map_err(|e| format!("{e}\n  a's page then: {}", other(a)))?;
    wait_view_for(a, "b's last line and a delivered", settle, |v| {
        v.status.contains("Connected") && v.count(&last_b) > 0 && all_delivered(v)
    })
    .map_err(|e| format!("{e}\n  b's page then: {}", other(b)))?;
    // The log renders a window of the newest lines: page back to see them all.
    show_all(b)?;
    show_all(a)?;
    let (seen_by_b, seen_by_a) = (view(b)?, view(a)?);
    ensure(
        all_delivered(&seen_by_a) && all_delivered(&seen_by_b),
        || "an own line further back is not delivered".into(),
    )?;
    // The client paces everything it sends by the server's announced rate
    // limit: "slow down" is never the user's problem to read.
    for (who, seen) in [("a", &seen_by_a), ("b", &seen_by_b)] {
        let refused: Vec<_> = seen
            .lines
            .iter()
            .filter(|l| l.2.contains("rate_limited"))
            .collect();
        ensure(refused.is_empty(), || {
            format!("{who}'s page shows the server's rate limit: {refused:?}")
        })?;
    }
    let got_b = texts_with(&seen_by_b, &format!("{what} a "));
    let got_a = texts_with(&seen_by_a, &format!("{what} b "));
    let dups =
        |got: &[String]| got.len() - got.iter().collect::<std::collections::HashSet<_>>().len();
    crate::figure(format!(
        "{what}: {done} disruptions survived in {:.0} s; a sent {}, b received {} \
         ({} duplicates); b sent {}, a received {} ({} duplicates)",
        chaos_time.as_secs_f64(),
        typed_a.len(),
        got_b.len(),
        dups(&got_b),
        typed_b.len(),
        got_a.len(),
        dups(&got_a),
    ));
    ensure(got_b == typed_a, || {
        format!("b's copy of a's lines differs: {got_b:?}")
    })?;
    ensure(got_a == typed_b, || {
        format!("a's copy of b's lines differs: {got_a:?}")
    })
}

/// The reference server is killed (no close frame) or stopped (1001) and
/// restarted 20 times at random moments within two minutes while two clients
/// type.
pub fn chaos_restarts(env: &Env) -> Result<()> {
    let a = join(env, "chaos-a")?;
    let b = join(env, "chaos-b")?;
    chaos(
        "chaos",
        (&a, &b),
        20,
        Duration::from_secs(120),
        |n, jitter| {
            env.server
                .borrow_mut()
                .stop(if n % 2 == 0 { "KILL" } else { "INT" })?;
            let heal: Heal = Box::new(|| env.server.borrow_mut().restart());
            Ok((jitter.ms(200, 1000), heal))
        },
    )
}

/// Each client reaches the server through its own TCP proxy, which cuts its
/// connection (no close frame, new ones refused for a while) or stalls it
/// (bytes stop, nothing closes: only the heartbeat can tell) at random
/// moments while both type.
pub fn chaos_network(env: &Env) -> Result<()> {
    let upstream = env.server.borrow().addr.clone();
    let (pa, pb) = (Proxy::start(&upstream)?, Proxy::start(&upstream)?);
    let via = |p: &Proxy| format!("ws://127.0.0.1:{}/ws", p.port);
    let a = visit(env, "net-a", &via(&pa), "auto")?;
    let b = visit(env, "net-b", &via(&pb), "auto")?;
    let (pa, pb) = (&pa, &pb);
    chaos(
        "network",
        (&a, &b),
        10,
        Duration::from_secs(120),
        |n, jitter| {
            let proxy = if n % 2 == 0 { pa } else { pb };
            if n % 4 < 2 {
                proxy.cut();
                let heal: Heal = Box::new(move || {
                    proxy.restore();
                    Ok(())
                });
                Ok((jitter.ms(300, 1500), heal))
            } else {
                proxy.stall();
                let heal: Heal = Box::new(move || {
                    proxy.release();
                    Ok(())
                });
                Ok((jitter.ms(2500, 4000), heal))
            }
        },
    )
}
