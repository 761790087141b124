//! `persona serve`: the central store's HTTP server.

use super::args::parse_duration;
use super::store::{open, runtime};
use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::server::{router, App, Limits};
use crate::tokens::{ReadTokens, WriteToken};
use std::sync::Arc;
use std::time::Duration;

/// `persona serve`.
pub fn serve(args: &ServeArgs) -> Result<(), CliError> {
    init_logs();
    runtime()?.block_on(run(args))
}

/// Logs to stderr through `tracing`: `RUST_LOG` filters (default `info`: warnings, errors and the
/// store's own notices; `RUST_LOG=tower_http=debug` adds one line per request). Raw identifiers never
/// reach a log line: the store holds none outside the vault, and requests are logged without headers.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests start several servers in one process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(args: &ServeArgs) -> Result<(), CliError> {
    let cache_ttl = Duration::from_secs(parse_duration(&args.cache_ttl)?);
    let store = open(&args.store, cache_ttl).await?;
    if let Some(path) = &args.ruleset {
        let text = std::fs::read_to_string(path).map_err(CliError::io(path))?;
        for audience in &store.audiences {
            let current = store
                .db
                .ruleset(audience)
                .await
                .map_err(|e| CliError::Store(e.to_string()))?;
            if current.is_some_and(|c| c.source == text) {
                continue;
            }
            store
                .issuer
                .put_ruleset(audience, &text, crate::io::now())
                .await
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        }
    }
    let app = Arc::new(App {
        db: store.db.clone(),
        issuer: store.issuer.clone(),
        ingest: store.ingest,
        eraser: store.eraser,
        identities: store.identities,
        signer: store.signer.clone(),
        read_tokens: ReadTokens::new(store.secrets.token_secret),
        write_token: WriteToken::new(&store.secrets.write_token),
        audiences: store.audiences.clone(),
        limits: Limits::default(),
    });
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(|e| CliError::Store(format!("cannot listen on {}: {e}", args.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Store(e.to_string()))?;

    // Retention: inactive customers are erased by the server itself.
    if args.retention != "off" {
        let period = parse_duration(&args.retention)?;
        if period == 0 {
            return Err(CliError::Usage(
                "--retention must be longer than 0 (or off)".to_owned(),
            ));
        }
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs((period / 2).clamp(1, 3600)));
            loop {
                tick.tick().await;
                match app
                    .eraser
                    .erase_inactive(period, crate::io::now(), 500)
                    .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(erased = n, "retention erased inactive customers"),
                    Err(e) => {
                        tracing::warn!(error = %e, "retention sweep failed; retrying at the next tick")
                    }
                }
            }
        });
    }

    // Key rotation by `persona keys rotate` (and retirement when due) reaches the running server.
    let signer = store.signer.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = signer.refresh() {
                tracing::warn!(error = %e, "keeping the current keys");
            }
        }
    });

    crate::io::print_line(format!(
        "persona serve: listening on http://{addr} (database {}, keys {}, secrets {}, audiences {})",
        store.url,
        store.data.keys().display(),
        store.data.path().join("secrets.json").display(),
        store.audiences.join(",")
    ))?;
    let routes = router(app, &args.cors_origins);
    axum::serve(listener, routes)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| CliError::Store(format!("server: {e}")))?;
    store.db.close().await;
    crate::io::print_line("persona serve: stopped")?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
