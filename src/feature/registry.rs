//! The little of the OCI distribution API that fetching a Feature needs: a manifest by
//! tag or digest, and its layer blob. Authentication follows the registry's challenge:
//! a bearer token from the realm it names (anonymous, as ghcr.io gives public
//! packages, or with the credentials kept for that registry), or HTTP basic auth.
//! Registries on this machine are spoken to over plain HTTP, as the reference CLI does.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};

use super::reference::OciRef;

/// The media type of a Feature's manifest.
pub const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of a Feature's layer (a tar of its folder).
pub const LAYER_TYPE: &str = "application/vnd.devcontainers.layer.v1+tar";

/// How long one request may take before the registry counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub secret: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("username", &self.username)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// Where credentials come from (the OS keyring in the app; tests may give their own).
pub trait Credentials: Send + Sync {
    /// The credential kept for `registry` (host and port), if any.
    fn for_registry(&self, registry: &str) -> Option<Credential>;
}

/// No credentials: anonymous access only.
pub struct Anonymous;

impl Credentials for Anonymous {
    fn for_registry(&self, _registry: &str) -> Option<Credential> {
        None
    }
}

/// What went wrong talking to a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryFailure {
    /// No connection (offline, refused, no such host, timed out).
    Unreachable(String),
    /// The registry wants credentials Berth does not have, or refused them.
    Unauthorized {
        /// Whether credentials were sent.
        had_credentials: bool,
    },
    /// The tag or digest is not there.
    NotFound,
    /// Any other answer.
    Protocol(String),
}

impl std::fmt::Display for RegistryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(cause) => write!(f, "the registry cannot be reached ({cause})"),
            Self::Unauthorized {
                had_credentials: true,
            } => {
                write!(f, "the registry refused the credentials kept for it")
            }
            Self::Unauthorized {
                had_credentials: false,
            } => {
                write!(f, "the registry needs credentials and none are kept for it")
            }
            Self::NotFound => write!(f, "the registry has no such Feature or version"),
            Self::Protocol(message) => write!(f, "{message}"),
        }
    }
}

/// A fetched manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Its digest (`sha256:…`), what the lock file pins.
    pub digest: String,
    /// The digest of its Feature layer.
    pub layer: String,
}

/// A client for the registries of one `up`: it keeps each registry's token.
pub struct Registry<'a> {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>,
    credentials: &'a dyn Credentials,
    tokens: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl<'a> Registry<'a> {
    /// A client using `credentials` where a registry asks for them.
    ///
    /// # Errors
    ///
    /// The system's root certificates cannot be read.
    pub fn new(credentials: &'a dyn Credentials) -> Result<Self, RegistryFailure> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(CONNECT_TIMEOUT));
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|err| {
                RegistryFailure::Protocol(format!(
                    "cannot read the system's root certificates: {err}"
                ))
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            credentials,
            tokens: std::sync::Mutex::default(),
        })
    }

    /// The manifest of `reference` and the digest of its Feature layer.
    ///
    /// # Errors
    ///
    /// [`RegistryFailure`].
    pub async fn manifest(&self, reference: &OciRef) -> Result<Manifest, RegistryFailure> {
        let url = format!(
            "{}/v2/{}/manifests/{}",
            base(reference),
            reference.repository,
            reference.reference
        );
        let (headers, body) = self.get(reference, &url, MANIFEST_TYPE).await?;
        let digest = format!("sha256:{}", super::hex(&Sha256::digest(&body)));
        if let Some(said) = headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
        {
            if said != digest {
                return Err(RegistryFailure::Protocol(format!(
                    "the manifest's content does not match its digest {said}"
                )));
            }
        }
        if reference.is_digest() && reference.reference != digest {
            return Err(RegistryFailure::Protocol(format!(
                "the registry answered {} with a manifest whose digest is {digest}",
                reference.reference
            )));
        }
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|err| RegistryFailure::Protocol(format!("the manifest is not JSON: {err}")))?;
        let layers = json
            .get("layers")
            .and_then(|l| l.as_array())
            .cloned()
            .unwrap_or_default();
        let layer = layers
            .iter()
            .find(|l| l.get("mediaType").and_then(|m| m.as_str()) == Some(LAYER_TYPE))
            .or(layers.first())
            .and_then(|l| l.get("digest"))
            .and_then(|d| d.as_str())
            .ok_or_else(|| {
                RegistryFailure::Protocol(
                    "the manifest has no Feature layer: is this a Dev Container Feature?"
                        .to_owned(),
                )
            })?;
        Ok(Manifest {
            digest,
            layer: layer.to_owned(),
        })
    }

    /// The blob `digest` of `reference`'s repository, checked against its digest.
    ///
    /// # Errors
    ///
    /// [`RegistryFailure`].
    pub async fn blob(&self, reference: &OciRef, digest: &str) -> Result<Bytes, RegistryFailure> {
        let url = format!(
            "{}/v2/{}/blobs/{digest}",
            base(reference),
            reference.repository
        );
        let (_, body) = self.get(reference, &url, "*/*").await?;
        let actual = format!("sha256:{}", super::hex(&Sha256::digest(&body)));
        if actual != digest {
            return Err(RegistryFailure::Protocol(format!(
                "the layer's content does not match its digest {digest} (got {actual})"
            )));
        }
        Ok(body)
    }

    /// GET `url`, answering an authentication challenge once and following redirects.
    async fn get(
        &self,
        reference: &OciRef,
        url: &str,
        accept: &str,
    ) -> Result<(HeaderMap, Bytes), RegistryFailure> {
        let key = reference.resource();
        let mut authorization = self.tokens.lock().ok().and_then(|t| t.get(&key).cloned());
        let mut challenged = false;
        let mut url = url.to_owned();
        let origin = host_of(&url);
        for _ in 0..6 {
            // Credentials go only to the registry itself, never to a redirect's host.
            let auth = authorization.as_deref().filter(|_| host_of(&url) == origin);
            let (status, headers, body) = self.send(&url, accept, auth).await?;
            match status {
                s if s.is_success() => return Ok((headers, body)),
                s if s.is_redirection() => {
                    let location = headers
                        .get(LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .ok_or_else(|| {
                            RegistryFailure::Protocol(format!(
                                "a redirect without a Location from {url}"
                            ))
                        })?;
                    url = absolute(&url, location);
                }
                StatusCode::UNAUTHORIZED if !challenged => {
                    challenged = true;
                    let challenge = headers
                        .get(WWW_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    authorization = Some(self.authorize(reference, &challenge).await?);
                    if let (Ok(mut tokens), Some(value)) = (self.tokens.lock(), &authorization) {
                        tokens.insert(key.clone(), value.clone());
                    }
                }
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    return Err(RegistryFailure::Unauthorized {
                        had_credentials: self
                            .credentials
                            .for_registry(&reference.registry)
                            .is_some(),
                    })
                }
                StatusCode::NOT_FOUND => return Err(RegistryFailure::NotFound),
                other => {
                    return Err(RegistryFailure::Protocol(format!(
                        "the registry answered {other} to {url}: {}",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    )))
                }
            }
        }
        Err(RegistryFailure::Protocol(format!(
            "too many redirects from {url}"
        )))
    }

    /// The `Authorization` value that answers `challenge`.
    async fn authorize(
        &self,
        reference: &OciRef,
        challenge: &str,
    ) -> Result<String, RegistryFailure> {
        let credential = self.credentials.for_registry(&reference.registry);
        let basic = credential.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.secret))
            )
        });
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return basic.ok_or(RegistryFailure::Unauthorized {
                had_credentials: false,
            });
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(RegistryFailure::Protocol(format!(
                "the registry asks for an authentication Berth does not speak: {challenge}"
            )));
        }
        let param = |name: &str| challenge_param(params, name);
        let realm = param("realm").ok_or_else(|| {
            RegistryFailure::Protocol(format!("a bearer challenge without a realm: {challenge}"))
        })?;
        let scope =
            param("scope").unwrap_or_else(|| format!("repository:{}:pull", reference.repository));
        let mut token_url = format!("{realm}?scope={}", encode(&scope));
        if let Some(service) = param("service") {
            token_url.push_str(&format!("&service={}", encode(&service)));
        }
        let (status, _, body) = self
            .send(&token_url, "application/json", basic.as_deref())
            .await?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(RegistryFailure::Unauthorized {
                had_credentials: credential.is_some(),
            });
        }
        if !status.is_success() {
            return Err(RegistryFailure::Protocol(format!(
                "the token service {realm} answered {status}"
            )));
        }
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(|err| {
            RegistryFailure::Protocol(format!("the token service's answer is not JSON: {err}"))
        })?;
        let token = json
            .get("token")
            .or_else(|| json.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| {
                RegistryFailure::Protocol("the token service gave no token".to_owned())
            })?;
        Ok(format!("Bearer {token}"))
    }

    async fn send(
        &self,
        url: &str,
        accept: &str,
        authorization: Option<&str>,
    ) -> Result<(StatusCode, HeaderMap, Bytes), RegistryFailure> {
        let uri: Uri = url
            .parse()
            .map_err(|err| RegistryFailure::Protocol(format!("'{url}' is not a URL: {err}")))?;
        let mut request = Request::get(uri)
            .header(ACCEPT, accept)
            .header("user-agent", concat!("berth/", env!("CARGO_PKG_VERSION")));
        if let Some(value) = authorization {
            let value = HeaderValue::from_str(value).map_err(|_| {
                RegistryFailure::Protocol(
                    "a credential holds characters HTTP cannot carry".to_owned(),
                )
            })?;
            request = request.header(AUTHORIZATION, value);
        }
        let request = request
            .body(Empty::new())
            .map_err(|err| RegistryFailure::Protocol(err.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| RegistryFailure::Unreachable(crate::error_chain(&err)))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|err| RegistryFailure::Unreachable(crate::error_chain(&err)))?
                .to_bytes();
            Ok((status, headers, body))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| {
                RegistryFailure::Unreachable(format!(
                    "no answer within {} s",
                    REQUEST_TIMEOUT.as_secs()
                ))
            })?
    }
}

/// `https://registry` or, for this machine, `http://registry`.
fn base(reference: &OciRef) -> String {
    let scheme = if reference.is_loopback() {
        "http"
    } else {
        "https"
    };
    format!("{scheme}://{}", reference.registry)
}

fn host_of(url: &str) -> String {
    url.parse::<Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// A redirect's `Location`, made absolute against `url`.
fn absolute(url: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let parsed: Option<Uri> = url.parse().ok();
    match parsed
        .as_ref()
        .and_then(|u| Some((u.scheme_str()?, u.authority()?)))
    {
        Some((scheme, authority)) => format!("{scheme}://{authority}{location}"),
        None => location.to_owned(),
    }
}

/// A parameter of a `WWW-Authenticate` challenge: `realm="…",service="…"`.
fn challenge_param(params: &str, name: &str) -> Option<String> {
    let mut rest = params;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ']);
        let (key, after) = rest.split_once('=')?;
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(value.to_owned());
        }
        rest = remaining;
    }
    None
}

/// Percent-encode a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_as_registries_write_them() {
        let params = r#"realm="https://ghcr.io/token",service="ghcr.io",scope="repository:devcontainers/features/git:pull""#;
        assert_eq!(
            challenge_param(params, "realm").as_deref(),
            Some("https://ghcr.io/token")
        );
        assert_eq!(
            challenge_param(params, "service").as_deref(),
            Some("ghcr.io")
        );
        assert_eq!(
            challenge_param(params, "scope").as_deref(),
            Some("repository:devcontainers/features/git:pull")
        );
        assert_eq!(challenge_param("realm=x", "realm").as_deref(), Some("x"));
        assert_eq!(challenge_param(params, "absent"), None);
    }

    #[test]
    fn redirects_and_queries_are_made_safe() {
        assert_eq!(
            absolute("http://localhost:5000/v2/x", "/v2/y"),
            "http://localhost:5000/v2/y"
        );
        assert_eq!(absolute("https://a/b", "https://cdn/c"), "https://cdn/c");
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }

    /// One HTTP/1.1 exchange per connection, answered by `answer(path, authorization)`.
    async fn serve(
        listener: tokio::net::TcpListener,
        answer: impl Fn(&str, Option<&str>) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + 'static,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let path = text
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let authorization = text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("authorization: ")
                        .or_else(|| l.strip_prefix("Authorization: "))
                })
                .map(str::to_owned);
            let (status, headers, body) = answer(&path, authorization.as_deref());
            let mut response = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        }
    }

    // ghcr.io's flow: a 401 naming a token realm, an anonymous token, the manifest with
    // it, and the blob redirected to another host, which must not see the token.
    #[tokio::test]
    async fn the_bearer_token_flow_is_followed_and_a_redirect_gets_no_token() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let layer = b"feature layer bytes".to_vec();
        let layer_digest = format!("sha256:{}", crate::feature::hex(&Sha256::digest(&layer)));
        let manifest = serde_json::json!({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "layers": [{"mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer.len()}]
        })
        .to_string()
        .into_bytes();
        let manifest_digest = format!("sha256:{}", crate::feature::hex(&Sha256::digest(&manifest)));
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = seen.clone();
        let (served_manifest, served_layer, blob_path) = (
            manifest.clone(),
            layer.clone(),
            format!("/v2/owner/features/tool/blobs/{layer_digest}"),
        );
        tokio::spawn(serve(listener, move |path, auth| {
            log.lock()
                .unwrap()
                .push(format!("{path} {}", auth.unwrap_or("-")));
            let bearer = auth == Some("Bearer t0ken");
            match path {
                p if p.starts_with("/token?") => {
                    assert!(
                        p.contains("scope=repository%3Aowner%2Ffeatures%2Ftool%3Apull")
                            && p.contains("service=fake"),
                        "{p}"
                    );
                    assert!(auth.is_none(), "anonymous, no credentials");
                    (200, vec![], br#"{"token":"t0ken"}"#.to_vec())
                }
                "/v2/owner/features/tool/manifests/1" if bearer => {
                    (200, vec![], served_manifest.clone())
                }
                p if p == blob_path && bearer => (
                    307,
                    vec![(
                        "location".into(),
                        format!("http://localhost:{port}/cdn/blob"),
                    )],
                    vec![],
                ),
                "/cdn/blob" => {
                    assert!(auth.is_none(), "the token went to the redirect's host");
                    (200, vec![], served_layer.clone())
                }
                _ => (
                    401,
                    vec![(
                        "www-authenticate".into(),
                        format!(
                            r#"Bearer realm="http://127.0.0.1:{port}/token",service="fake",scope="repository:owner/features/tool:pull""#
                        ),
                    )],
                    vec![],
                ),
            }
        }));
        let registry = Registry::new(&Anonymous).unwrap();
        let reference = OciRef {
            registry: format!("127.0.0.1:{port}"),
            repository: "owner/features/tool".into(),
            reference: "1".into(),
        };
        let got = registry.manifest(&reference).await.unwrap();
        assert_eq!(
            got,
            Manifest {
                digest: manifest_digest,
                layer: layer_digest.clone()
            }
        );
        assert_eq!(
            registry
                .blob(&reference, &layer_digest)
                .await
                .unwrap()
                .to_vec(),
            layer
        );
        let seen = seen.lock().unwrap().clone();
        // The token was asked for once and reused for the blob.
        assert_eq!(
            seen.iter().filter(|s| s.starts_with("/token")).count(),
            1,
            "{seen:#?}"
        );
    }

    #[test]
    fn a_credential_never_prints_its_secret() {
        let credential = Credential {
            username: "student".into(),
            secret: "hunter2".into(),
        };
        assert!(!format!("{credential:?}").contains("hunter2"));
    }
}
