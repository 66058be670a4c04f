//! Group commit of event appends. SQLite has one writer at a time and, with
//! `synchronous=FULL`, syncs the WAL at every commit: with an event per call step, many calls
//! at once would queue one sync each behind the write lock. Instead one task writes the
//! appends: it takes every append waiting (up to [`MOST`]), inserts them in one transaction
//! and commits once. An append still returns only after the commit that holds it; seq order
//! is commit order, as before.
//!
//! When a batch fails (a full disk, a bad row), its events are written again one per
//! transaction, so one bad event fails alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sb_store::{NewEvent, StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

use crate::events::insert;

/// Most events in one transaction.
const MOST: usize = 512;

type Job = (NewEvent, oneshot::Sender<StoreResult<i64>>);

/// Hands appends to the writer task (started with the store); cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct EventWriter {
    jobs: mpsc::UnboundedSender<Job>,
    /// Transactions committed so far.
    commits: Arc<AtomicU64>,
}

impl EventWriter {
    /// Starts the writer task on the current tokio runtime; it ends when every handle is
    /// dropped.
    pub(crate) fn start(pool: sqlx::SqlitePool) -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        let commits = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(pool, rx, commits.clone()));
        EventWriter { jobs, commits }
    }

    /// Transactions committed so far (batches, and events retried alone).
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Appends `event` and returns its seq once committed.
    pub(crate) async fn append(&self, event: NewEvent) -> StoreResult<i64> {
        let (reply, done) = oneshot::channel();
        self.jobs
            .send((event, reply))
            .map_err(|_| StoreError::backend("the event writer has stopped"))?;
        done.await
            .map_err(|_| StoreError::backend("the event writer stopped before the commit"))?
    }
}

async fn run(
    pool: sqlx::SqlitePool,
    mut rx: mpsc::UnboundedReceiver<Job>,
    commits: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(MOST);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < MOST {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        write(&pool, &mut batch, &commits).await;
    }
}

async fn write(pool: &sqlx::SqlitePool, batch: &mut Vec<Job>, commits: &AtomicU64) {
    let events: Vec<&NewEvent> = batch.iter().map(|(e, _)| e).collect();
    match insert_all(pool, &events, commits).await {
        Ok(seqs) => {
            for ((_, reply), seq) in batch.drain(..).zip(seqs) {
                let _ = reply.send(Ok(seq));
            }
        }
        Err(e) if batch.len() == 1 => {
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(e.clone()));
            }
        }
        Err(_) => {
            for (event, reply) in batch.drain(..) {
                let _ = reply.send(insert_one(pool, &event, commits).await);
            }
        }
    }
}

/// Inserts `events` in one transaction; their seqs in order.
async fn insert_all(
    pool: &sqlx::SqlitePool,
    events: &[&NewEvent],
    commits: &AtomicU64,
) -> StoreResult<Vec<i64>> {
    let mut tx = pool
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(crate::codec::db)?;
    let mut seqs = Vec::with_capacity(events.len());
    for event in events {
        seqs.push(insert(&mut tx, event).await?);
    }
    tx.commit().await.map_err(crate::codec::db)?;
    commits.fetch_add(1, Ordering::Relaxed);
    Ok(seqs)
}

/// Inserts `event` in a transaction of its own.
async fn insert_one(
    pool: &sqlx::SqlitePool,
    event: &NewEvent,
    commits: &AtomicU64,
) -> StoreResult<i64> {
    let seqs = insert_all(pool, &[event], commits).await?;
    seqs.first()
        .copied()
        .ok_or_else(|| StoreError::backend("no seq returned"))
}

#[cfg(test)]
mod tests {
    use crate::SqliteStore;
    use sb_store::{EventLog, NewEvent, NewTenant, TenantRepo, Timestamp};
    use sb_types::TenantId;

    fn event(tenant: TenantId, n: usize) -> NewEvent {
        NewEvent {
            tenant_id: tenant,
            at: Timestamp::EPOCH,
            kind: "call.created".into(),
            subject: format!("call-{n}"),
            payload: serde_json::json!({ "n": n }),
        }
    }

    async fn store() -> (tempfile::TempDir, SqliteStore, TenantId) {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(dir.path().join("g.db"))
            .await
            .expect("open");
        let tenant = NewTenant {
            name: "acme".into(),
            display_name: "Acme".into(),
            cluster: "C1".into(),
            ip_allowlist: Vec::new(),
            created_at: Timestamp::EPOCH,
        };
        let t = store.create_tenant(tenant).await.expect("tenant");
        (dir, store, t.id)
    }

    #[tokio::test]
    async fn appends_waiting_together_commit_in_one_transaction_in_order() {
        let (_dir, store, tenant) = store().await;
        let before = store.events.commits();
        let appends = (0..200).map(|n| store.append_event(event(tenant, n)));
        let results = futures::future::join_all(appends).await;
        let seqs: Vec<i64> = results.into_iter().map(|r| r.expect("append")).collect();
        assert_eq!(
            store.events.commits() - before,
            1,
            "one commit for the batch"
        );
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let read = store.read_events(tenant, 0, 500).await.expect("read");
        let subjects: Vec<String> = read.iter().map(|e| e.subject.clone()).collect();
        let wanted: Vec<String> = (0..200).map(|n| format!("call-{n}")).collect();
        assert_eq!(subjects, wanted);
    }

    #[tokio::test]
    async fn a_bad_event_in_a_batch_fails_alone() {
        let (_dir, store, tenant) = store().await;
        let unknown = TenantId::from_u128(7);
        let appends = (0..20).map(|n| {
            let t = if n == 10 { unknown } else { tenant };
            store.append_event(event(t, n))
        });
        let results = futures::future::join_all(appends).await;
        for (n, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), n != 10, "append {n}: {r:?}");
        }
        let read = store.read_events(tenant, 0, 50).await.expect("read");
        assert_eq!(read.len(), 19);
    }
}
