//! A real browser on a WebRTC endpoint: headless Chromium (Debian's `chromium`) with a fake
//! microphone playing a 1 kHz WAV, driven over the DevTools protocol. Its tone must come out
//! on a plain RTP leg, and what the plain leg sends must reach the browser over SRTP. With the
//! `opus` feature, a browser that offers only Opus is transcoded to the plain leg's PCMU.
//! SKIPPED without /usr/bin/chromium (FAIL when CI is set).

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use futures::{SinkExt, StreamExt};
use sb_audio::g711::Law;
use sb_media::{CallMedia, EndpointId};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{WebSocketStream, client_async};

const CHROMIUM: &str = "/usr/bin/chromium";
const PAGE: &str = "<!doctype html><title>softphone</title><p>switchboard test</p>";

/// The browser's side, as one expression per step (each returns a promise). The offer takes
/// the codecs named in `__MIMES__`, in that order.
const OFFER_JS: &str = r#"(async () => {
  window.pc = new RTCPeerConnection();
  const mic = await navigator.mediaDevices.getUserMedia({audio: {
    echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  const tr = pc.addTransceiver(mic.getAudioTracks()[0], {direction: 'sendrecv'});
  const codecs = RTCRtpReceiver.getCapabilities('audio').codecs;
  tr.setCodecPreferences(__MIMES__.flatMap(m => codecs.filter(c => c.mimeType === m)));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(done => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && done();
  });
  return pc.localDescription.sdp;
})()"#;

const ANSWER_JS: &str = r#"(async (offer) => {
  window.pc = new RTCPeerConnection();
  const mic = await navigator.mediaDevices.getUserMedia({audio: {
    echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  await pc.setRemoteDescription({type: 'offer', sdp: offer});
  const tr = pc.getTransceivers()[0];
  await tr.sender.replaceTrack(mic.getAudioTracks()[0]);
  tr.direction = 'sendrecv';
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise(done => {
    if (pc.iceGatheringState === 'complete') return done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && done();
  });
  return pc.localDescription.sdp;
})"#;

const RECEIVED_JS: &str = r#"(async () => {
  let n = 0;
  (await pc.getStats()).forEach(r => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') n = r.packetsReceived; });
  return n;
})()"#;

/// The offer step taking `mimes` (e.g. `audio/PCMU`) only.
fn offer_js(mimes: &[&str]) -> String {
    OFFER_JS.replace("__MIMES__", &json!(mimes).to_string())
}

fn chromium_missing() -> bool {
    if std::path::Path::new(CHROMIUM).exists() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{CHROMIUM} is required under CI (apt-get install chromium)"
    );
    println!("SKIPPED: {CHROMIUM} not installed");
    true
}

/// A 10 s 1 kHz sine, 48 kHz mono, for the fake microphone.
fn tone_wav(path: &std::path::Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for n in 0..480_000u32 {
        let x = (2.0 * std::f64::consts::PI * 1000.0 * f64::from(n) / 48_000.0).sin();
        w.write_sample((x * 12_000.0) as i16).expect("sample");
    }
    w.finalize().expect("wav written");
}

/// Serves `PAGE` to every request (http://127.0.0.1 is a secure context for getUserMedia).
async fn serve_page() -> u16 {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    port
}

struct Browser {
    _child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocketStream<TcpStream>,
    session: String,
    next_id: u64,
}

impl Browser {
    async fn launch(wav: &std::path::Path) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!(
                "--use-file-for-fake-audio-capture={}",
                wav.display()
            ))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("chromium exited before DevTools listened");
        })
        .await
        .expect("DevTools within 20 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host")
            .to_owned();
        let tcp = TcpStream::connect(&host).await.expect("DevTools TCP");
        let (ws, _) = client_async(url.as_str(), tcp).await.expect("DevTools WS");
        let mut browser = Browser {
            _child: child,
            _profile: profile,
            ws,
            session: String::new(),
            next_id: 0,
        };
        let page = browser
            .send("Target.createTarget", json!({"url": "about:blank"}))
            .await;
        let target = page["targetId"].as_str().expect("target").to_owned();
        let attached = browser
            .send(
                "Target.attachToTarget",
                json!({"targetId": target, "flatten": true}),
            )
            .await;
        browser.session = attached["sessionId"].as_str().expect("session").to_owned();
        browser
    }

    /// One DevTools command; its result.
    async fn send(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            msg["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .await
            .expect("DevTools send");
        loop {
            let next = timeout(Duration::from_secs(20), self.ws.next()).await;
            let Ok(Some(Ok(Message::Text(text)))) = next else {
                assert!(matches!(next, Ok(Some(Ok(_)))), "DevTools closed: {next:?}");
                continue;
            };
            let v: Value = serde_json::from_str(&text).expect("JSON");
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    async fn navigate(&mut self, url: &str) {
        self.send("Page.navigate", json!({"url": url})).await;
        for _ in 0..100 {
            let ready = self.eval("document.readyState").await;
            if ready == json!("complete") && self.eval("location.href").await == json!(url) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("page did not load");
    }

    /// Evaluates JS (awaiting a promise); its value.
    async fn eval(&mut self, expression: &str) -> Value {
        let params = json!({"expression": expression, "awaitPromise": true, "returnByValue": true});
        let result = self.send("Runtime.evaluate", params).await;
        assert!(
            result.get("exceptionDetails").is_none(),
            "JS failed: {result}"
        );
        result["result"]["value"].clone()
    }
}

async fn browser_page() -> Option<(Browser, tempfile::TempDir)> {
    if chromium_missing() {
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("tone-1khz.wav");
    tone_wav(&wav);
    let port = serve_page().await;
    let mut browser = Browser::launch(&wav).await;
    browser.navigate(&format!("http://127.0.0.1:{port}/")).await;
    Some((browser, dir))
}

/// The browser's tone on the plain leg, and the plain leg's packets in the browser.
async fn assert_audio_both_ways(call: &CallMedia, browser: &mut Browser, webrtc: EndpointId) {
    let mut phone = Phone::new(Law::Mu).await;
    let plain = leg(call, "caller", Law::Mu, &phone).await;
    call.connect(webrtc, plain.id).await.expect("connect");

    // Skip the first half second (ICE, DTLS, the fake device starting).
    let mut heard = Vec::new();
    let started = tokio::time::Instant::now();
    while heard.len() < 75 {
        let Some(h) = phone.recv_within(Duration::from_secs(10)).await else {
            break;
        };
        if started.elapsed() > Duration::from_millis(500) || !heard.is_empty() {
            heard.push(h);
        }
    }
    assert!(heard.len() >= 50, "plain leg heard {} packets", heard.len());
    assert!(heard.iter().all(|h| h.header.payload_type == 0), "PCMU");
    let samples = decode(&heard[heard.len() - 50..], Law::Mu);
    let f = sb_audio::estimate_frequency(&samples, 8000).expect("a tone");
    println!("browser tone on the plain leg: {f:.1} Hz");
    assert_freq(&samples, 1000.0);

    send_paced(&mut phone, plain.local, &tone_frames(1000.0, 50)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = browser.eval(RECEIVED_JS).await.as_u64().unwrap_or(0);
    println!("browser received {n} packets from the plain leg");
    assert!(n >= 40, "browser received {n} packets");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_offers_and_its_1khz_tone_comes_out_on_a_plain_rtp_leg() {
    let Some((mut browser, _dir)) = browser_page().await else {
        return;
    };
    let offer = browser.eval(&offer_js(&["audio/PCMU", "audio/PCMA"])).await;
    let offer_sdp = offer.as_str().expect("SDP offer").to_owned();
    let server = server(25_000);
    let (call, _events) = call(&server);
    let info = agent_answer(&call, offer_sdp).await;
    let set = format!(
        "pc.setRemoteDescription({{type: 'answer', sdp: {}}})",
        json!(info.answer_sdp)
    );
    browser.eval(&set).await;
    assert_audio_both_ways(&call, &mut browser, info.id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_answers_our_offer_and_its_1khz_tone_comes_out_on_a_plain_rtp_leg() {
    let Some((mut browser, _dir)) = browser_page().await else {
        return;
    };
    let server = server(25_100);
    let (call, _events) = call(&server);
    let offer = call.add_webrtc_offer("agent").await.expect("offer");
    let answer = browser
        .eval(&format!("{ANSWER_JS}({})", json!(offer.offer_sdp)))
        .await;
    let answer_sdp = answer.as_str().expect("SDP answer");
    call.accept_webrtc_answer(offer.id, answer_sdp)
        .await
        .expect("answer applied");
    assert_audio_both_ways(&call, &mut browser, offer.id).await;
}

#[cfg(feature = "opus")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_offering_only_opus_is_transcoded_and_its_1khz_tone_comes_out_as_pcmu() {
    let Some((mut browser, _dir)) = browser_page().await else {
        return;
    };
    let offer = browser.eval(&offer_js(&["audio/opus"])).await;
    let offer_sdp = offer.as_str().expect("SDP offer").to_owned();
    assert!(!offer_sdp.contains("PCMU"), "{offer_sdp}");
    let server = server(25_200);
    let (call, _events) = call(&server);
    let info = agent_answer(&call, offer_sdp).await;
    assert!(
        info.answer_sdp.contains("opus/48000/2"),
        "{}",
        info.answer_sdp
    );
    let set = format!(
        "pc.setRemoteDescription({{type: 'answer', sdp: {}}})",
        json!(info.answer_sdp)
    );
    browser.eval(&set).await;
    assert_audio_both_ways(&call, &mut browser, info.id).await;
    let stats = call.stats(info.id).await.expect("stats");
    assert_eq!(stats.undecodable, 0, "{stats:?}");
}
