//! The outbound TLS policy (DESIGN.md § 7) and certificate checking.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::{EmailError, TlsSettings};

/// aws-lc-rs limited to TLS 1.3 AES-GCM and the TLS 1.2 ECDHE (ECDSA and RSA) AES-GCM suites.
fn outbound_provider() -> CryptoProvider {
    use aws_lc_rs::cipher_suite::{
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TLS13_AES_128_GCM_SHA256, TLS13_AES_256_GCM_SHA384,
    };
    CryptoProvider {
        cipher_suites: vec![
            TLS13_AES_256_GCM_SHA384,
            TLS13_AES_128_GCM_SHA256,
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        ..aws_lc_rs::default_provider()
    }
}

/// The client configuration for one channel: its CA PEM, else the system trust store; or no
/// chain check at all when the channel explicitly accepts invalid certificates.
pub(crate) fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, EmailError> {
    let provider = Arc::new(outbound_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| EmailError::invalid(format!("TLS policy: {e}")))?;
    let config = if settings.accept_invalid_certificates {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(settings.ca_pem.as_deref())?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// Whether `pem` holds at least one usable CA certificate and nothing malformed.
pub(crate) fn check_ca_pem(pem: &str) -> Result<(), EmailError> {
    roots(Some(pem)).map(|_| ())
}

fn roots(ca_pem: Option<&str>) -> Result<RootCertStore, EmailError> {
    let mut roots = RootCertStore::empty();
    let Some(pem) = ca_pem else {
        let found = rustls_native_certs::load_native_certs();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(EmailError::invalid(
                "no CA certificates in the system trust store",
            ));
        }
        return Ok(roots);
    };
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| EmailError::invalid(format!("CA PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| EmailError::invalid(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(EmailError::invalid("the CA PEM holds no certificate"));
    }
    Ok(roots)
}

/// The name checked in the server's certificate.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, EmailError> {
    ServerName::try_from(host.to_owned())
        .map_err(|e| EmailError::invalid(format!("host {host:?}: {e}")))
}

/// Chain and name unchecked (explicit lab setting); handshake signatures still verified.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
