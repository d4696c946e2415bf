//! The benchmark's push service over HTTP/2 in the clear: as little work per
//! request as a server can do and still speak the protocol properly (every
//! header block decoded, flow control kept, SETTINGS and PING answered), so
//! the machine's two cores go to the fan-out being measured. It answers 201
//! to each POST whose body has the shape of an aes128gcm record, 400 to
//! anything else.

use std::collections::HashMap;

use broadsheet::alerts::http2::frame::{self, Head, flag, kind, setting};
use broadsheet::alerts::http2::hpack::{Decoder, Encoder, Name, index};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The smallest aes128gcm message: header, key, one padding byte and the tag.
const SMALLEST_RECORD: usize = 21 + 65 + 17;
const WINDOW: u32 = 16 << 20;

pub async fn serve(port: u16) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (socket, _) = listener.accept().await?;
        socket.set_nodelay(true)?;
        tokio::spawn(async move {
            if let Err(err) = connection(socket).await {
                eprintln!("sink: {err}");
            }
        });
    }
}

/// A request being received: its method was POST, and this much body so far.
struct Request {
    post: bool,
    body: usize,
}

async fn connection(mut socket: TcpStream) -> anyhow::Result<()> {
    let mut input = Vec::with_capacity(64 * 1024);
    while input.len() < frame::PREFACE.len() {
        if socket.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
    }
    anyhow::ensure!(input.starts_with(frame::PREFACE), "not an HTTP/2 client");
    input.drain(..frame::PREFACE.len());
    let mut out = Vec::with_capacity(64 * 1024);
    frame::settings(
        &mut out,
        &[
            (setting::MAX_CONCURRENT_STREAMS, 1000),
            (setting::INITIAL_WINDOW_SIZE, WINDOW),
        ],
    );
    frame::window_update(&mut out, 0, WINDOW - frame::DEFAULT_WINDOW as u32);
    let (mut decoder, mut encoder) = (Decoder::new(4096), Encoder::default());
    let mut requests: HashMap<u32, Request> = HashMap::new();
    let mut block = Vec::new();
    let mut consumed = 0u32;
    loop {
        if !out.is_empty() {
            socket.write_all(&out).await?;
            out.clear();
        }
        if input.capacity() - input.len() < 16 * 1024 {
            input.reserve(32 * 1024);
        }
        if socket.read_buf(&mut input).await? == 0 {
            return Ok(());
        }
        let mut at = 0;
        while let Some(head) = Head::parse(&input[at..]) {
            let end = at + 9 + head.len;
            if input.len() < end {
                break;
            }
            let payload = &input[at + 9..end];
            at = end;
            let mut finished = None;
            match head.kind {
                kind::HEADERS => {
                    anyhow::ensure!(head.has(flag::END_HEADERS), "the sink takes header blocks in one frame");
                    let range = frame::unpad(&head, payload).ok_or_else(|| anyhow::anyhow!("bad padding"))?;
                    let skip = if head.has(flag::PRIORITY) { 5 } else { 0 };
                    let mut post = false;
                    decoder.decode(&payload[range.start + skip..range.end], |name, value| {
                        if name == b":method" {
                            post = value == b"POST";
                        }
                    })?;
                    requests.insert(head.stream, Request { post, body: 0 });
                    if head.has(flag::END_STREAM) {
                        finished = Some(head.stream);
                    }
                }
                kind::DATA => {
                    consumed += head.len as u32;
                    if let Some(request) = requests.get_mut(&head.stream) {
                        request.body += frame::unpad(&head, payload).map_or(0, |r| r.len());
                    }
                    if head.has(flag::END_STREAM) {
                        finished = Some(head.stream);
                    }
                }
                kind::SETTINGS if !head.has(flag::ACK) => frame::settings_ack(&mut out),
                kind::PING if !head.has(flag::ACK) => frame::ping_ack(&mut out, payload),
                kind::RST_STREAM => {
                    requests.remove(&head.stream);
                }
                kind::GOAWAY => return Ok(()),
                _ => {}
            }
            if let Some(stream) = finished.and_then(|id| requests.remove(&id).map(|r| (id, r))) {
                let (id, request) = stream;
                let status: &[u8] = if request.post && request.body >= SMALLEST_RECORD {
                    b"201"
                } else {
                    b"400"
                };
                block.clear();
                encoder.begin(&mut block);
                encoder.repeated(&mut block, Name::Static(index::STATUS), status);
                frame::header_block(&mut out, id, &block, true, frame::DEFAULT_MAX_FRAME);
            }
        }
        input.drain(..at);
        if consumed >= WINDOW / 2 {
            frame::window_update(&mut out, 0, consumed);
            consumed = 0;
        }
    }
}
