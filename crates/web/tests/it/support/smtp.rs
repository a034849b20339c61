//! A minimal SMTP server for tests: accepts every message on a random port and keeps
//! what it received (envelope recipients and the decoded text).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    /// Headers and body, with quoted-printable or base64 body decoded (each part of a
    /// multipart message, in order).
    pub text: String,
}

#[derive(Clone)]
pub struct Sink {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Mail>>>,
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store).await;
                });
            }
        });
        Sink { addr, received }
    }

    pub fn all(&self) -> Vec<Mail> {
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits (up to 5 s) for the `n`-th message (1-based) and returns it.
    pub async fn nth(&self, n: usize) -> Mail {
        for _ in 0..100 {
            if let Some(m) = self.all().get(n - 1) {
                return m.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail #{n} received (got {})", self.all().len());
    }

    /// The link of the `n`-th message that starts with `prefix`.
    pub async fn link(&self, n: usize, prefix: &str) -> String {
        let mail = self.nth(n).await;
        let at = mail.text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {}", mail.text));
        mail.text[at..].split_whitespace().next().unwrap_or("").to_owned()
    }
}

async fn session(socket: tokio::net::TcpStream, store: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut raw = Vec::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                raw.push(l.strip_prefix('.').map_or_else(|| l.clone(), str::to_owned));
            }
            let text = decode(&raw);
            if let Ok(mut m) = store.lock() {
                m.push(Mail { to: std::mem::take(&mut to), text });
            }
            write.write_all(b"250 queued\r\n").await?;
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            break;
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
    Ok(())
}

/// Joins the lines and decodes the body as its Content-Transfer-Encoding says.
fn decode(lines: &[String]) -> String {
    let split = lines.iter().position(String::is_empty).unwrap_or(lines.len());
    let (head, body) = lines.split_at(split);
    let head = head.join("\n");
    let lower = head.to_ascii_lowercase();
    let body: Vec<&String> = body.iter().skip(1).collect();
    // A multipart message: each part decoded by its own headers, in order.
    if lower.contains("content-type: multipart/")
        && let Some(at) = lower.find("boundary=")
    {
        let boundary = head[at + "boundary=".len()..]
            .split(|c: char| c == ';' || c.is_whitespace())
            .next()
            .unwrap_or("")
            .trim_matches('"')
            .to_owned();
        let mut parts: Vec<Vec<String>> = Vec::new();
        for l in body {
            if l.trim_end() == format!("--{boundary}") {
                parts.push(Vec::new());
            } else if l.trim_end() == format!("--{boundary}--") {
                break;
            } else if let Some(part) = parts.last_mut() {
                part.push(l.clone());
            }
        }
        let decoded: Vec<String> = parts.iter().map(|p| decode(p)).collect();
        return format!("{head}\n\n{}", decoded.join("\n"));
    }
    let decoded = if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.iter().map(|l| l.trim()).collect();
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(joined).unwrap_or_default())
            .into_owned()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let mut bytes = Vec::new();
        for l in &body {
            let (l, soft) = match l.strip_suffix('=') {
                Some(s) => (s, true),
                None => (l.as_str(), false),
            };
            let b = l.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'='
                    && i + 3 <= b.len()
                    && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    bytes.push(v);
                    i += 3;
                    continue;
                }
                bytes.push(b[i]);
                i += 1;
            }
            if !soft {
                bytes.push(b'\n');
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        body.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    };
    format!("{head}\n\n{decoded}")
}
