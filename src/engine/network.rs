//! Networks: list by label and remove, for the default network of a Compose project
//! Berth started (labelled through its override file).

use std::collections::BTreeMap;

use bollard::query_parameters::ListNetworksOptionsBuilder;

use super::container::{self, label_filter};
use super::{Engine, EngineError};

/// A network as the engine knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInfo {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The networks carrying every one of `labels`.
///
/// # Errors
///
/// The engine does not answer.
pub async fn list(
    engine: &Engine,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<NetworkInfo>, EngineError> {
    let options = ListNetworksOptionsBuilder::default()
        .filters(&label_filter(labels))
        .build();
    let found = engine
        .docker()
        .list_networks(Some(options))
        .await
        .map_err(|err| EngineError::classify(engine.endpoint(), "list networks", err))?;
    Ok(found
        .into_iter()
        .map(|n| NetworkInfo {
            id: n.id.unwrap_or_default(),
            name: n.name.unwrap_or_default(),
        })
        .collect())
}

/// Remove the network `id`; one already gone is not an error.
///
/// # Errors
///
/// The engine refuses (e.g. a container not Berth's is still attached).
pub async fn remove(engine: &Engine, id: &str) -> Result<(), EngineError> {
    match engine.docker().remove_network(id).await {
        Ok(()) => Ok(()),
        Err(err) if container::is_status(&err, 404) => Ok(()),
        Err(err) => Err(EngineError::classify(
            engine.endpoint(),
            "remove a network",
            err,
        )),
    }
}
