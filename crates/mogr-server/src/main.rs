//! `mogr-server`: see the library's docs (`mogr_server`) and `mogr-server --help`.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use mogr_server::Server;
use mogr_server::config::{Cli, Config};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
    let config = match Config::from_cli(cli) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("mogr-server: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mogr-server: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mogr-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> std::io::Result<()> {
    let server = Server::bind(&config).await?;
    let addr = server.local_addr()?;
    tracing::info!(
        %addr,
        storage = %config.storage_description(),
        workers = config.workers,
        max_body_bytes = config.max_body_bytes,
        "mogr-server listening"
    );
    if config.credentials.is_none() {
        tracing::warn!(
            "no --secret-id/--secret-key: this is an OPEN local server. Anyone who can reach {addr} can read, \
             write and delete every object in {}",
            config.storage_description()
        );
    } else if config.public_read {
        tracing::info!("writes and settings need a valid COS signature; unsigned downloads are let in (public read)");
    } else {
        tracing::info!("every request must carry a valid COS signature");
    }
    if let Some(metrics) = server.metrics_addr() {
        tracing::info!(%metrics, "Prometheus metrics at GET /metrics");
    }
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
