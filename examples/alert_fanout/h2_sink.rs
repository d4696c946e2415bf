//! The benchmark's push service over HTTP/2 in the clear, on the `h2`
//! crate's server: as little work per request as a server can do and still
//! speak the protocol properly, so the machine's two cores go to the fan-out
//! being measured. It answers 201 to each POST whose body has the shape of
//! an aes128gcm record, 400 to anything else.

use bytes::Bytes;
use http::{Method, Response, StatusCode};

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

async fn connection(socket: tokio::net::TcpStream) -> anyhow::Result<()> {
    let mut connection = h2::server::Builder::new()
        .max_concurrent_streams(1000)
        .initial_window_size(WINDOW)
        .initial_connection_window_size(WINDOW)
        .handshake::<_, Bytes>(socket)
        .await?;
    while let Some(request) = connection.accept().await {
        let (request, mut respond) = request?;
        tokio::spawn(async move {
            let post = request.method() == Method::POST;
            let mut body = request.into_body();
            let mut length = 0;
            while let Some(Ok(chunk)) = body.data().await {
                length += chunk.len();
                let _ = body.flow_control().release_capacity(chunk.len());
            }
            let status = if post && length >= SMALLEST_RECORD {
                StatusCode::CREATED
            } else {
                StatusCode::BAD_REQUEST
            };
            let mut answer = Response::new(());
            *answer.status_mut() = status;
            let _ = respond.send_response(answer, true);
        });
    }
    Ok(())
}
