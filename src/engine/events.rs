//! The engine's event stream, narrowed to Berth's containers: what the environment list
//! and the window update their state from, without polling.

use std::collections::{BTreeMap, HashMap};

use bollard::query_parameters::EventsOptionsBuilder;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use ts_rs::TS;

use super::{Engine, EngineError};

/// What happened to an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../ui/src/bindings/")]
pub struct EngineEvent {
    /// `container`.
    pub kind: String,
    /// The engine's action: `create`, `start`, `die`, `stop`, `destroy`, …
    pub action: String,
    /// The container's id.
    pub id: String,
    /// The container's labels (and the engine's attributes, such as `name`).
    pub labels: BTreeMap<String, String>,
}

/// Events of containers that carry `label` (a key, or `key=value`), from the moment of
/// this call (the request goes out when the stream is first polled; `since` keeps what
/// happens in between). The stream ends when the engine goes away; its last item is then
/// the error.
pub fn watch(
    engine: &Engine,
    label: &str,
) -> impl Stream<Item = Result<EngineEvent, EngineError>> + Send + 'static {
    let filters = HashMap::from([
        ("type".to_owned(), vec!["container".to_owned()]),
        ("label".to_owned(), vec![label.to_owned()]),
    ]);
    let since = chrono::Utc::now().timestamp().to_string();
    let options = EventsOptionsBuilder::new()
        .since(&since)
        .filters(&filters)
        .build();
    let endpoint = engine.endpoint().to_owned();
    engine
        .long_running()
        .events(Some(options))
        .map(move |item| {
            let message =
                item.map_err(|err| EngineError::classify(&endpoint, "report its events", err))?;
            let actor = message.actor.unwrap_or_default();
            Ok(EngineEvent {
                kind: message.typ.map(|t| t.to_string()).unwrap_or_default(),
                action: message.action.unwrap_or_default(),
                id: actor.id.unwrap_or_default(),
                labels: actor.attributes.unwrap_or_default().into_iter().collect(),
            })
        })
}
