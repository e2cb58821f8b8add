//! A small static server for development and the browser tests: `web/` at `/`, `pkg/` at `/pkg/`, on
//! 127.0.0.1 only, with the cross-origin isolation headers (COOP/COEP) that the threaded build needs
//! unless `isolation` is false, and the right MIME types (`.wasm` as `application/wasm`).

use anyhow::{Result, anyhow};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use tiny_http::{Header, Response, Server};

/// Serves until the process is stopped. Prints `convexlab: serving on http://127.0.0.1:PORT/` once
/// listening (port 0 picks a free port; the printed URL has the real one).
pub fn serve(web: &Path, pkg: &Path, port: u16, isolation: bool) -> Result<()> {
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| anyhow!("server has no IP address"))?;
    println!(
        "convexlab: serving on http://{addr}/ ({})",
        if isolation {
            "cross-origin isolated: the threaded build will be used"
        } else {
            "no isolation headers: single-threaded"
        }
    );
    std::io::stdout().flush()?;
    for request in server.incoming_requests() {
        let url = request
            .url()
            .split(['?', '#'])
            .next()
            .unwrap_or("/")
            .to_string();
        let response = match resolve(web, pkg, &url) {
            Some(path) if path.is_file() => match std::fs::read(&path) {
                Ok(bytes) => {
                    let mut r =
                        Response::from_data(bytes).with_header(header("Content-Type", mime(&path)));
                    r = r.with_header(header("Cache-Control", "no-cache"));
                    if isolation {
                        r = r
                            .with_header(header("Cross-Origin-Opener-Policy", "same-origin"))
                            .with_header(header("Cross-Origin-Embedder-Policy", "require-corp"));
                    }
                    r.boxed()
                }
                Err(e) => Response::from_string(format!("cannot read {url}: {e}"))
                    .with_status_code(500)
                    .boxed(),
            },
            _ => Response::from_string(format!("not found: {url}"))
                .with_status_code(404)
                .boxed(),
        };
        // A client that went away is not the server's problem.
        let _ = request.respond(response);
    }
    Ok(())
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

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
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
