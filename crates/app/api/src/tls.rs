//! TLS for the HTTPS listener: TLS 1.2 and 1.3 only, exactly the suites of DESIGN.md § 7.

use rustls::crypto::aws_lc_rs::{self, cipher_suite as cs};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, SupportedCipherSuite};
use std::path::Path;
use std::sync::Arc;

/// Errors while preparing TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file at fault.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The PEM contents are not a usable certificate chain or key.
    #[error("{path}: {message}")]
    Pem {
        /// The file at fault.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// rustls refused the configuration or key.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// Generating the self-signed certificate failed.
    #[error("generating the self-signed certificate: {0}")]
    Generate(String),
}

/// The serving suites: TLS 1.3 AES-GCM, and TLS 1.2 ECDHE with AES-GCM (RSA; ECDSA when an
/// ECDSA key is configured — rustls only offers the suites that match the key).
pub fn serving_suites() -> Vec<SupportedCipherSuite> {
    vec![
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ]
}

/// Installs the process-wide crypto provider (aws-lc-rs). Safe to call more than once.
pub fn install_provider() {
    let _ = aws_lc_rs::default_provider().install_default();
}

/// Builds the server configuration from PEM files, advertising `h2` and `http/1.1`.
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = read_certs(cert_path)?;
    let key = read_key(key_path)?;
    let mut provider = aws_lc_rs::default_provider();
    provider.cipher_suites = serving_suites();
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = std::fs::read(path).map_err(io_err(path))?;
    let certs: Result<Vec<_>, _> = rustls_pemfile::certs(&mut pem.as_slice()).collect();
    let certs = certs.map_err(io_err(path))?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: path.display().to_string(),
            message: "no certificate".into(),
        });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = std::fs::read(path).map_err(io_err(path))?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(io_err(path))?
        .ok_or_else(|| TlsError::Pem {
            path: path.display().to_string(),
            message: "no private key".into(),
        })
}

/// Returns the certificate and key paths under `dir`, creating a self-signed RSA certificate
/// (for `localhost`, `127.0.0.1`, `::1` and the host name) on first start.
pub fn ensure_self_signed(
    dir: &Path,
) -> Result<(std::path::PathBuf, std::path::PathBuf), TlsError> {
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    if cert_path.is_file() && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let (cert, key) = generate_self_signed()?;
    write_private(&key_path, key.as_bytes())?;
    std::fs::write(&cert_path, cert).map_err(io_err(&cert_path))?;
    Ok((cert_path, key_path))
}

fn generate_self_signed() -> Result<(String, String), TlsError> {
    let generate = |e: rcgen::Error| TlsError::Generate(e.to_string());
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(generate)?;
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        names.push(host.trim().to_string());
    }
    names.retain(|n| !n.is_empty());
    let mut params = rcgen::CertificateParams::new(names).map_err(generate)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Switchboard (self-signed)");
    let cert = params.self_signed(&key).map_err(generate)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err(path))?;
    file.write_all(bytes).map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}
