//! A minimal HTTP/1.1 client for the load generator: one keep-alive connection, POST only,
//! answers read by `Content-Length`, chunked encoding, or to the end of a closed connection.
//!
//! Written by hand rather than with ureq because the load generator shares the machine's two
//! cores with the server it measures: ureq's per-request work (header maps, body readers,
//! agent bookkeeping) cost about 54 µs of CPU per request, as much as half of what the server
//! spends on a whole StartSyncExecution, so the generator held the server's throughput down.
//! Here a request is one buffer written with one `write_all`, and an answer one buffered read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::Context;

/// The server had closed the connection before the request reached it.
#[derive(Debug)]
struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("the server closed the connection")
    }
}

impl std::error::Error for Closed {}

/// An answer: its status code and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// One connection to `host:port`, opened on first use and again after a failure or a
/// server that closed it.
pub(crate) struct Connection {
    address: String,
    timeout: Option<Duration>,
    stream: Option<BufReader<TcpStream>>,
    /// The request being written, kept to reuse its allocation.
    request: Vec<u8>,
}

impl Connection {
    /// A connection to the `http://host:port` endpoint; `timeout` bounds each read and write.
    pub(crate) fn new(endpoint: &str, timeout: Option<Duration>) -> anyhow::Result<Connection> {
        let address = endpoint
            .strip_prefix("http://")
            .with_context(|| format!("{endpoint}: only http:// endpoints are supported"))?
            .trim_end_matches('/')
            .to_owned();
        Ok(Connection { address, timeout, stream: None, request: Vec::new() })
    }

    /// POSTs `body` to `/` with `headers` (name, value) and returns the answer. A request on a
    /// kept-alive connection that the server closed meanwhile is sent once more on a new one.
    pub(crate) fn post(&mut self, headers: &[(&str, &str)], body: &str) -> anyhow::Result<Answer> {
        self.request.clear();
        write!(self.request, "POST / HTTP/1.1\r\nHost: {}\r\n", self.address)?;
        for (name, value) in headers {
            write!(self.request, "{name}: {value}\r\n")?;
        }
        write!(self.request, "Content-Length: {}\r\n\r\n", body.len())?;
        self.request.extend_from_slice(body.as_bytes());
        let reused = self.stream.is_some();
        match self.exchange() {
            Ok(answer) => Ok(answer),
            // Only a connection the server had closed before this request: a request that
            // may have been read (a timeout, say) is not sent twice.
            Err(error) if reused && error.downcast_ref::<Closed>().is_some() => {
                self.stream = None;
                self.exchange()
            }
            Err(error) => {
                self.stream = None;
                Err(error)
            }
        }
    }

    fn exchange(&mut self) -> anyhow::Result<Answer> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.address)
                .with_context(|| format!("connecting to {}", self.address))?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(self.timeout)?;
            stream.set_write_timeout(self.timeout)?;
            self.stream = Some(BufReader::new(stream));
        }
        let reader = self.stream.as_mut().context("no connection")?;
        reader.get_mut().write_all(&self.request).map_err(|_| Closed)?;
        let (answer, keep) = read_answer(reader)?;
        if !keep {
            self.stream = None;
        }
        Ok(answer)
    }
}

/// Reads one answer; also says whether the connection stays open.
fn read_answer(reader: &mut BufReader<TcpStream>) -> anyhow::Result<(Answer, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(Closed.into());
    }
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or_default().to_owned();
    let status: u16 = parts.next().context("a status line without a status")?.parse()?;
    let mut length = None;
    let mut chunked = false;
    let mut keep = version == "HTTP/1.1";
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>()?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            keep = !value.eq_ignore_ascii_case("close");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .context("a chunk size")?;
            if size == 0 {
                // The trailer section ends with an empty line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
        keep = false;
    }
    let body = String::from_utf8(body).context("an answer that is not UTF-8")?;
    Ok((Answer { status, body }, keep))
}
