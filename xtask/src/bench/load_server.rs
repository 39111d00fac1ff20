//! The load server the bench's pages connect to: `/flood`, `/relay`, `/soak`.

use super::*;

/// Starts the load server on its own thread; returns its address.
pub(super) fn spawn_load_server() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let load = listener.local_addr()?.to_string();
    listener.set_nonblocking(true)?;
    std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        {
            runtime.block_on(load_server(listener));
        }
    });
    Ok(load)
}

/// Floods (`/flood?n=N[&extra=1]`: N lines after 800 ms, then `b done`, and
/// `b extra` 500 ms after the client sends "more") or relays (`/relay`: every
/// text to every client).
pub(super) async fn load_server(listener: std::net::TcpListener) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let (relay, _) = tokio::sync::broadcast::channel::<String>(65_536);
    while let Ok((stream, _)) = listener.accept().await {
        let relay = relay.clone();
        tokio::spawn(async move {
            let mut path = String::new();
            // tungstenite's callback type fixes the large error variant.
            #[allow(clippy::result_large_err)]
            let callback = |req: &Request, resp| {
                path = req.uri().to_string();
                Ok(resp)
            };
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            if path.starts_with("/soak") {
                let n = path
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("n="))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(soak::SOAK_LINES);
                soak::serve(tx, rx, n).await;
            } else if path.starts_with("/flood") {
                let arg = |k: &str| {
                    path.split(['?', '&'])
                        .find_map(|p| p.strip_prefix(&format!("{k}=")))
                        .and_then(|v| v.parse::<usize>().ok())
                };
                tokio::time::sleep(Duration::from_millis(800)).await;
                for i in 1..=arg("n").unwrap_or(1000) {
                    if tx
                        .feed(Message::Text(format!("b {i}").into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = tx.send(Message::Text("b done".into())).await;
                // One more line when the page asks for it (it has caught up
                // with the flood), half a second later.
                while let Some(Ok(frame)) = rx.next().await {
                    if arg("extra").is_some()
                        && matches!(&frame, Message::Text(t) if t.contains("more"))
                    {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let _ = tx.send(Message::Text("b extra".into())).await;
                    }
                }
            } else {
                let mut sub = relay.subscribe();
                loop {
                    tokio::select! {
                        frame = rx.next() => match frame {
                            Some(Ok(Message::Text(t))) => { let _ = relay.send(t.to_string()); }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                        line = sub.recv() => match line {
                            Ok(line) => if tx.send(Message::Text(line.into())).await.is_err() { return },
                            Err(_) => return,
                        },
                    }
                }
            }
        });
    }
}
