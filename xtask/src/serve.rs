//! A small static server for development and the browser tests: `web/` at `/`, `pkg/` at `/pkg/`, on
//! 127.0.0.1 only, with the cross-origin isolation headers (COOP/COEP) that the threaded build needs
//! unless `isolation` is false, and the right MIME types (`.wasm` as `application/wasm`).
//!
//! Plain HTTP/1.1 over `std::net`, one thread per connection and `Connection: close` on every
//! response: a keep-alive server (tiny_http) left module requests pending forever now and then when
//! the browser fetched many ES modules at once, which hung the page's first render.

use anyhow::{Result, anyhow};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Serves until the process is stopped. Prints `convexlab: serving on http://127.0.0.1:PORT/` once
/// listening (port 0 picks a free port; the printed URL has the real one).
pub fn serve(web: &Path, pkg: &Path, port: u16, isolation: bool) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = listener.local_addr()?;
    println!(
        "convexlab: serving on http://{addr}/ ({})",
        if isolation {
            "cross-origin isolated: the threaded build will be used"
        } else {
            "no isolation headers: single-threaded"
        }
    );
    std::io::stdout().flush()?;
    let roots = Arc::new((web.to_path_buf(), pkg.to_path_buf()));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let roots = Arc::clone(&roots);
        std::thread::spawn(move || {
            // A client that went away is not the server's problem.
            let _ = handle(stream, &roots.0, &roots.1, isolation);
        });
    }
    Ok(())
}

/// Reads one request from `stream` and answers it (GET and HEAD only), then closes the connection.
fn handle(stream: TcpStream, web: &Path, pkg: &Path, isolation: bool) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Skip the headers: nothing in them changes a static answer.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let url = target.split(['?', '#']).next().unwrap_or("/");
    let (status, kind, body) = if method != "GET" && method != "HEAD" {
        (
            405,
            "text/plain; charset=utf-8",
            b"only GET and HEAD".to_vec(),
        )
    } else {
        match resolve(web, pkg, url) {
            Some(path) if path.is_file() => match std::fs::read(&path) {
                Ok(bytes) => (200, mime(&path), bytes),
                Err(e) => (
                    500,
                    "text/plain; charset=utf-8",
                    format!("cannot read {url}: {e}").into_bytes(),
                ),
            },
            _ => (
                404,
                "text/plain; charset=utf-8",
                format!("not found: {url}").into_bytes(),
            ),
        }
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n",
        body.len()
    );
    if isolation {
        head.push_str("Cross-Origin-Opener-Policy: same-origin\r\nCross-Origin-Embedder-Policy: require-corp\r\n");
    }
    head.push_str("\r\n");
    let mut out = stream;
    out.write_all(head.as_bytes())?;
    if method != "HEAD" {
        out.write_all(&body)?;
    }
    out.flush()?;
    out.shutdown(std::net::Shutdown::Write)
}

/// Maps a URL path to a file: `/pkg/...` under `pkg`, anything else under `web`, `/` to index.html.
/// Refuses any path with `..` or other non-normal components.
fn resolve(web: &Path, pkg: &Path, url: &str) -> Option<PathBuf> {
    let rel = url.trim_start_matches('/');
    let (base, rest) = match rel.strip_prefix("pkg/") {
        Some(rest) => (pkg, rest),
        None => (web, rel),
    };
    let rest = if rest.is_empty() || rest.ends_with('/') {
        format!("{rest}index.html")
    } else {
        rest.to_string()
    };
    let rel_path = Path::new(&rest);
    if !rel_path
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(base.join(rel_path))
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_and_traversal_is_refused() {
        let (w, p) = (Path::new("/w"), Path::new("/p"));
        assert_eq!(resolve(w, p, "/"), Some(PathBuf::from("/w/index.html")));
        assert_eq!(
            resolve(w, p, "/pkg/st/a.js"),
            Some(PathBuf::from("/p/st/a.js"))
        );
        assert_eq!(
            resolve(w, p, "/labs/x.js"),
            Some(PathBuf::from("/w/labs/x.js"))
        );
        assert_eq!(resolve(w, p, "/../etc/passwd"), None);
        assert_eq!(resolve(w, p, "/pkg/../../x"), None);
        assert_eq!(mime(Path::new("a.wasm")), "application/wasm");
    }
}
