//! A real HTTPS server over a temporary SQLite database, and clients for it.
#![allow(dead_code, clippy::unwrap_used)]

use reqwest::{Client, Method, StatusCode};
use sb_api::{ApiSettings, AppState};
use sb_store::{NewTenant, NewUser, Store, Tenant, User};
use sb_store_sqlite::SqliteStore;
use sb_types::{Role, Timestamp};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

pub fn settings() -> ApiSettings {
    ApiSettings {
        session_ttl: Duration::from_secs(3600),
        lockout_threshold: 3,
        lockout_for: Duration::from_secs(600),
        login_attempts_per_minute: 1000,
        argon2_memory_kib: 64,
        argon2_iterations: 1,
        secure_cookies: true,
        trusted_proxy: None,
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(settings()).await
    }

    pub async fn start_with(settings: ApiSettings) -> Self {
        Self::start_inner(settings, false, true).await
    }

    /// A server whose API runs the live ACD over its store (agent states).
    pub async fn start_with_acd() -> Self {
        Self::start_inner(settings(), true, true).await
    }

    /// With the ACD, over plain HTTP (`http.tls = false`, as behind a TLS-terminating proxy):
    /// for WebSocket clients without TLS.
    pub async fn start_plain_with_acd() -> Self {
        Self::start_inner(settings(), true, false).await
    }

    async fn start_inner(settings: ApiSettings, acd: bool, tls: bool) -> Self {
        sb_api::tls::install_provider();
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(dir.path().join("sb.db")).await.unwrap());
        let shutdown = CancellationToken::new();
        // No call runs here: the call routes find no call (404) rather than no voice (503).
        let mut state = AppState::new(store.clone(), settings)
            .unwrap()
            .with_calls(sb_engine::calls::CallControl::default());
        if acd {
            let runtime =
                sb_engine::acd::AcdRuntime::start(store.clone(), sb_api::now, shutdown.clone());
            state = state.with_acd(runtime);
        }
        let (cert, key) = sb_api::tls::ensure_self_signed(&dir.path().join("tls")).unwrap();
        let tls = tls.then(|| sb_api::tls::server_config(&cert, &key).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = sb_api::router(state.clone());
        tokio::spawn(sb_api::server::serve(
            listener,
            tls,
            router,
            shutdown.clone(),
            Duration::from_secs(1),
        ));
        TestServer {
            addr,
            store,
            state,
            shutdown,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{}", self.addr, path)
    }

    pub async fn tenant(&self, name: &str) -> Tenant {
        let new = NewTenant {
            name: name.into(),
            display_name: name.to_uppercase(),
            cluster: "C1".into(),
            ip_allowlist: vec![],
            created_at: Timestamp::from_secs(1),
        };
        self.store.create_tenant(new).await.unwrap()
    }

    pub async fn user(&self, tenant: &Tenant, username: &str, role: Role) -> User {
        let hash = self.state.hasher().hash(PASSWORD).unwrap();
        let new = NewUser {
            username: username.into(),
            display_name: username.into(),
            role,
            password_hash: Some(hash),
            now: Timestamp::from_secs(1),
        };
        self.store.create_user(tenant.id, new).await.unwrap()
    }

    /// A client logged in as `username` of `tenant`.
    pub async fn login(&self, tenant: &str, username: &str) -> Client {
        let client = client();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "tenant": tenant, "username": username, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login of {username}@{tenant}");
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn client() -> Client {
    Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .build()
        .unwrap()
}

pub async fn call(
    client: &Client,
    server: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client.request(method, server.url(path));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}
