//! Load test of the relay: N calls of two G.711 legs, 50 packets per second each way, sent by
//! a generator on its own thread and runtime. Prints the relay's CPU time per relayed packet
//! (CPU of the relay runtime's worker threads only, from /proc/self/task/*/schedstat), loss,
//! and the latency the relay adds (p50/p99, generator send to generator receive).
//!
//! Usage: `cargo bench -p sb-media --bench relay_load -- [calls] [seconds] [relay threads]`
//! (defaults 200 calls, 10 s, 1 thread).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sb_media::{CallMedia, EndpointId, EndpointSpec, MediaConfig, MediaServer};
use sb_rtp::{PacketKind, RtpHeader, RtpPacket, classify};
use tokio::net::UdpSocket;
use tokio::sync::watch;

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const RELAY_THREAD: &str = "sb-relay";
const PTIME: Duration = Duration::from_millis(20);

struct Args {
    calls: usize,
    seconds: u64,
    threads: usize,
}

fn args() -> Args {
    let nums: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let get = |i: usize, default: u64| nums.get(i).copied().unwrap_or(default);
    Args {
        calls: usize::try_from(get(0, 200)).unwrap_or(200),
        seconds: get(1, 10),
        threads: usize::try_from(get(2, 1)).unwrap_or(1).max(1),
    }
}

/// One direction of one call: the sending phone, the relay's address, the receiving phone.
struct Stream {
    from: Arc<std::net::UdpSocket>,
    to_relay: SocketAddr,
    receiver: Arc<UdpSocket>,
}

/// A far-end phone: one socket, sent to by a std thread, read by the generator runtime.
struct Phone {
    send: Arc<std::net::UdpSocket>,
    recv: Arc<UdpSocket>,
}

fn phone() -> Phone {
    let socket = std::net::UdpSocket::bind((LOCALHOST, 0)).expect("bind");
    socket.set_nonblocking(true).expect("nonblocking");
    let clone = socket.try_clone().expect("clone");
    let recv = UdpSocket::from_std(clone).expect("tokio socket");
    Phone {
        send: Arc::new(socket),
        recv: Arc::new(recv),
    }
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    received: AtomicU64,
}

fn main() {
    let args = args();
    let relay = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .thread_name(RELAY_THREAD)
        .enable_all()
        .build()
        .expect("relay runtime");
    let generator = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("generator runtime");
    let config = MediaConfig {
        bind_ip: LOCALHOST,
        port_min: 26_000,
        port_max: 31_999,
        max_endpoints: 10_000,
        admission_lag: None,
        ..MediaConfig::default()
    };
    let server = MediaServer::new(config).expect("server");
    let (calls, streams) = generator.block_on(setup(&relay, &server, args.calls));
    let tally = Arc::new(Tally::default());
    let (latencies, cpu_ns) = generator.block_on(receive_all(&streams, &tally, args.seconds));
    report(&args, &tally, latencies, cpu_ns);
    let (into_relay, out_of_relay) = relay.block_on(async {
        let (mut received, mut sent) = (0, 0);
        for (call, legs) in calls {
            for leg in legs {
                if let Ok(stats) = call.stats(leg).await {
                    received += stats.quality.packets_received;
                    sent += stats.quality.packets_sent;
                }
            }
            let _ = call.close().await;
        }
        (received, sent)
    });
    println!("  at the relay: received {into_relay}, relayed {out_of_relay}");
}

async fn setup(
    relay: &tokio::runtime::Runtime,
    server: &MediaServer,
    calls: usize,
) -> (Vec<(CallMedia, [EndpointId; 2])>, Vec<Stream>) {
    let mut handles = Vec::new();
    let mut streams = Vec::new();
    for _ in 0..calls {
        let (pa, pb) = (phone(), phone());
        let addr_a = pa.send.local_addr().expect("a");
        let addr_b = pb.send.local_addr().expect("b");
        let server = server.clone();
        let (call, a, b) = relay
            .spawn(async move {
                let (call, _events) = server.open_call().expect("call");
                let a = call
                    .add_endpoint(EndpointSpec::pcmu("a", Some(addr_a)))
                    .await;
                let b = call
                    .add_endpoint(EndpointSpec::pcmu("b", Some(addr_b)))
                    .await;
                let (a, b) = (a.expect("leg a"), b.expect("leg b"));
                call.connect(a.id, b.id).await.expect("connect");
                (call, a, b)
            })
            .await
            .expect("setup task");
        streams.push(Stream {
            from: Arc::clone(&pa.send),
            to_relay: a.local,
            receiver: Arc::clone(&pb.recv),
        });
        streams.push(Stream {
            from: pb.send,
            to_relay: b.local,
            receiver: pa.recv,
        });
        handles.push((call, [a.id, b.id]));
    }
    (handles, streams)
}

fn packet(sequence: u16, ssrc: u32, t0: Instant) -> Vec<u8> {
    let mut payload = [0xFFu8; 160];
    let sent_ns = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
    payload[..8].copy_from_slice(&sent_ns.to_be_bytes());
    let header = RtpHeader {
        marker: false,
        payload_type: 0,
        sequence,
        timestamp: u32::from(sequence) * 160,
        ssrc,
        csrc: Vec::new(),
    };
    let rtp = RtpPacket {
        header,
        extension: None,
        payload: &payload,
        padding: 0,
    };
    rtp.to_vec().expect("packet")
}

async fn receive_all(streams: &[Stream], tally: &Arc<Tally>, seconds: u64) -> (Vec<u64>, u64) {
    let t0 = Instant::now();
    let end = t0 + Duration::from_secs(seconds);
    let (stop, stop_rx) = watch::channel(false);
    let mut receivers = Vec::new();
    for s in streams {
        let (socket, tally) = (Arc::clone(&s.receiver), Arc::clone(tally));
        receivers.push(tokio::spawn(receive(socket, tally, t0, stop_rx.clone())));
    }
    let cpu_before = relay_cpu_ns();
    let senders: Vec<_> = streams
        .iter()
        .map(|s| (Arc::clone(&s.from), s.to_relay))
        .collect();
    let sent = Arc::clone(tally);
    let sender = std::thread::spawn(move || send_all(&senders, &sent, t0, end));
    tokio::time::sleep_until((end + Duration::from_millis(300)).into()).await;
    let _ = stop.send(true);
    let mut latencies = Vec::new();
    for r in receivers {
        latencies.extend(r.await.expect("receiver"));
    }
    let cpu_ns = relay_cpu_ns().saturating_sub(cpu_before);
    let _ = sender.join();
    (latencies, cpu_ns)
}

/// Sends one packet per stream every 20 ms until `end`, from this (std) thread, the streams
/// spread over the 20 ms in ten groups (calls do not all start on the same millisecond).
fn send_all(
    streams: &[(Arc<std::net::UdpSocket>, SocketAddr)],
    tally: &Tally,
    t0: Instant,
    end: Instant,
) {
    const GROUPS: usize = 10;
    let group = streams.len().div_ceil(GROUPS).max(1);
    let mut next = Instant::now();
    let mut sequence = 0u16;
    while next < end {
        for (g, chunk) in streams.chunks(group).enumerate() {
            for (i, (socket, to)) in chunk.iter().enumerate() {
                let ssrc = (g * group + i) as u32 + 1;
                if socket.send_to(&packet(sequence, ssrc, t0), to).is_ok() {
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            next += PTIME / GROUPS as u32;
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        sequence = sequence.wrapping_add(1);
    }
}

async fn receive(
    socket: Arc<UdpSocket>,
    tally: Arc<Tally>,
    t0: Instant,
    mut stop: watch::Receiver<bool>,
) -> Vec<u64> {
    let mut buf = [0u8; 2048];
    let mut latencies = Vec::new();
    loop {
        let len = tokio::select! {
            r = socket.recv_from(&mut buf) => match r {
                Ok((len, _)) => len,
                Err(_) => continue,
            },
            _ = stop.changed() => return latencies,
        };
        if classify(&buf[..len]) != PacketKind::Rtp {
            continue;
        }
        let Some(stamp) = RtpPacket::parse(&buf[..len])
            .ok()
            .and_then(|rtp| rtp.payload.get(..8).and_then(|s| s.try_into().ok()))
        else {
            continue;
        };
        let sent = u64::from_be_bytes(stamp);
        let now = u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX);
        latencies.push(now.saturating_sub(sent));
        tally.received.fetch_add(1, Ordering::Relaxed);
    }
}

/// CPU time (ns) of the relay runtime's worker threads so far.
fn relay_cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    let mut total = 0;
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != RELAY_THREAD {
            continue;
        }
        let schedstat = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
        total += schedstat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

fn report(args: &Args, tally: &Tally, mut latencies: Vec<u64>, cpu_ns: u64) {
    latencies.sort_unstable();
    let sent = tally.sent.load(Ordering::Relaxed);
    let received = tally.received.load(Ordering::Relaxed);
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(i).map_or(0.0, |&ns| ns as f64 / 1000.0)
    };
    let loss = if sent == 0 {
        0.0
    } else {
        (sent.saturating_sub(received)) as f64 * 100.0 / sent as f64
    };
    println!(
        "relay_load: {} calls ({} streams, 50 pps each), {} s, {} relay thread(s)",
        args.calls,
        2 * args.calls,
        args.seconds,
        args.threads
    );
    println!("  packets sent {sent}, relayed and received {received}, loss {loss:.3} %");
    println!(
        "  relay CPU {:.0} ms total, {:.2} µs per relayed packet, {:.1} % of one core",
        cpu_ns as f64 / 1e6,
        cpu_ns as f64 / 1000.0 / received.max(1) as f64,
        cpu_ns as f64 / (args.seconds as f64 * 1e9) * 100.0
    );
    println!(
        "  added latency p50 {:.0} µs, p99 {:.0} µs",
        pct(0.5),
        pct(0.99)
    );
}
