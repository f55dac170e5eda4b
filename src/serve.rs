//! Serving a router over HTTP/1.1 with bounds on slow and idle clients (`axum::serve` has
//! none), for the API and the web server alike.
//!
//! Each connection is watched in three phases. From the accept, and from the first byte of
//! each following request, the client has the header timeout to send the whole request head.
//! After an answer is sent, a kept-alive connection may wait the idle timeout for the next
//! request. While a request is being answered, its body included (an event stream may last
//! hours), neither applies. A connection past its bound is closed. On shutdown, no connection
//! is accepted any more, idle ones close, and open requests are answered first.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How long a connection may take over its request heads, and wait between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// To send a request's head (request line and headers).
    pub header: Duration,
    /// To start the next request after an answer.
    pub idle: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then drains open requests.
/// Handlers can extract the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: pause rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(Watched::new(stream, activity.clone(), timeouts));
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(address));
            let busy = Busy::new(activity.clone());
            let answer = router.clone().oneshot(request);
            async move {
                let response = answer.await.unwrap_or_else(|never| match never {});
                Ok::<_, Infallible>(response.map(|body| Answer { body, _busy: busy }))
            }
        });
        let connection = graceful.watch(http1::Builder::new().serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %address, "connection closed");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// What the requests of one connection are doing, shared by its service and its socket.
#[derive(Debug, Default)]
struct Activity {
    /// Requests being answered (until their answer's body is sent).
    busy: AtomicUsize,
    /// Answers sent so far.
    answered: AtomicU64,
    /// Who waits to read from the socket: woken when an answer is sent, so the idle wait
    /// starts even if the socket was already being waited on.
    reader: Mutex<Option<Waker>>,
}

/// Held while a request is being answered, by its handler and then its answer's body.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: Arc<Activity>) -> Self {
        activity.busy.fetch_add(1, Ordering::SeqCst);
        Self(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        // Counted before it stops being busy, so a socket that sees it idle sees the answer.
        self.0.answered.fetch_add(1, Ordering::SeqCst);
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
        if let Some(reader) = self
            .0
            .reader
            .lock()
            .ok()
            .and_then(|mut reader| reader.take())
        {
            reader.wake();
        }
    }
}

/// An answer's body, keeping its connection busy until it is sent or dropped.
struct Answer {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection's socket, closed when a request head or an idle wait outlasts its bound.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
    timeouts: Timeouts,
    deadline: Pin<Box<Sleep>>,
    /// The answers sent when the current wait began.
    answered: u64,
    /// Whether the next request has begun (its bound is then the header timeout).
    begun: bool,
}

impl Watched {
    /// A fresh connection: its first request head is due within the header timeout.
    fn new(stream: TcpStream, activity: Arc<Activity>, timeouts: Timeouts) -> Self {
        Self {
            stream,
            activity,
            timeouts,
            deadline: Box::pin(tokio::time::sleep(timeouts.header)),
            answered: 0,
            begun: true,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if read.is_pending()
            && let Ok(mut reader) = this.activity.reader.lock()
        {
            *reader = Some(cx.waker().clone());
        }
        if this.activity.busy.load(Ordering::SeqCst) > 0 {
            return read;
        }
        let answered = this.activity.answered.load(Ordering::SeqCst);
        if answered != this.answered {
            this.answered = answered;
            this.begun = false;
            let idle = Instant::now() + this.timeouts.idle;
            this.deadline.as_mut().reset(idle);
        }
        match read {
            Poll::Ready(Ok(())) if !this.begun && buf.filled().len() > before => {
                this.begun = true;
                let header = Instant::now() + this.timeouts.header;
                this.deadline.as_mut().reset(header);
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.deadline.as_mut().poll(cx).is_ready() => {
                let why = if this.begun {
                    "the request head took too long"
                } else {
                    "the connection was idle too long"
                };
                Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, why)))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
