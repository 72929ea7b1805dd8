//! The order Features are installed in, as the spec describes it: in rounds, each round
//! taking every Feature whose `dependsOn` and (present) `installsAfter` Features are
//! installed; within a round those ranked highest by `overrideFeatureInstallOrder` go
//! first, ties by key. A `dependsOn` cycle is an error naming the Features in it.

use super::FeatureError;

/// One Feature as ordering sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The key as devcontainer.json (or a `dependsOn`) writes it.
    pub key: String,
    /// Registry and repository for an OCI Feature (`ghcr.io/devcontainers/features/git`).
    pub resource: Option<String>,
    /// `dependsOn` references: must be installed first.
    pub depends_on: Vec<String>,
    /// `installsAfter` references: installed first when they are in the set.
    pub installs_after: Vec<String>,
}

impl Node {
    /// Whether `reference` (with or without a tag or digest) names this Feature.
    pub fn answers_to(&self, reference: &str) -> bool {
        if reference == self.key {
            return true;
        }
        let bare = strip_version(reference);
        self.resource.as_deref() == Some(bare) || strip_version(&self.key) == bare
    }
}

/// `ghcr.io/x/y:1` or `ghcr.io/x/y@sha256:…` → `ghcr.io/x/y` (a port is kept).
pub fn strip_version(reference: &str) -> &str {
    if let Some((rest, _)) = reference.split_once('@') {
        return rest;
    }
    let slash = reference.rfind('/').unwrap_or(0);
    match reference[slash..].find(':') {
        Some(colon) => &reference[..slash + colon],
        None => reference,
    }
}

/// The install order of `nodes` as indices into it.
///
/// # Errors
///
/// [`FeatureError::Order`]: a `dependsOn` names a Feature not in the set, or the
/// `dependsOn`/`installsAfter` relations form a cycle.
pub fn install_order(
    nodes: &[Node],
    override_order: &[String],
) -> Result<Vec<usize>, FeatureError> {
    let mut before: Vec<Vec<usize>> = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let mut needs = Vec::new();
        for reference in &node.depends_on {
            let found: Vec<usize> = (0..nodes.len())
                .filter(|&other| other != index && nodes[other].answers_to(reference))
                .collect();
            if found.is_empty() {
                return Err(FeatureError::Order {
                    message: format!(
                        "the Feature '{}' depends on '{reference}', which is not among the Features to install",
                        node.key
                    ),
                });
            }
            needs.extend(found);
        }
        for reference in &node.installs_after {
            needs.extend(
                (0..nodes.len())
                    .filter(|&other| other != index && nodes[other].answers_to(reference)),
            );
        }
        before.push(needs);
    }
    let priority = |node: &Node| {
        override_order
            .iter()
            .position(|reference| node.answers_to(reference))
            .map_or(0, |at| override_order.len() - at)
    };
    let mut installed: Vec<usize> = Vec::with_capacity(nodes.len());
    let mut done = vec![false; nodes.len()];
    while installed.len() < nodes.len() {
        let ready: Vec<usize> = (0..nodes.len())
            .filter(|&i| !done[i] && before[i].iter().all(|&b| done[b]))
            .collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = (0..nodes.len())
                .filter(|&i| !done[i])
                .map(|i| nodes[i].key.as_str())
                .collect();
            return Err(FeatureError::Order {
                message: format!(
                    "these Features wait for each other (a cycle in dependsOn/installsAfter): {}; remove one of the dependencies",
                    stuck.join(", ")
                ),
            });
        }
        let top = ready
            .iter()
            .map(|&i| priority(&nodes[i]))
            .max()
            .unwrap_or(0);
        let mut round: Vec<usize> = ready
            .into_iter()
            .filter(|&i| priority(&nodes[i]) == top)
            .collect();
        round.sort_by(|&a, &b| nodes[a].key.cmp(&nodes[b].key));
        for i in round {
            done[i] = true;
            installed.push(i);
        }
    }
    Ok(installed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, depends_on: &[&str], installs_after: &[&str]) -> Node {
        Node {
            key: key.to_owned(),
            resource: key
                .starts_with("ghcr.io")
                .then(|| strip_version(key).to_owned()),
            depends_on: depends_on.iter().map(|s| (*s).to_owned()).collect(),
            installs_after: installs_after.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn keys(nodes: &[Node], order: &[usize]) -> Vec<String> {
        order.iter().map(|&i| nodes[i].key.clone()).collect()
    }

    #[test]
    fn rounds_go_by_dependencies_then_by_key() {
        let nodes = [
            node("ghcr.io/f/python:1", &[], &["ghcr.io/f/common-utils"]),
            node("ghcr.io/f/common-utils:2", &[], &[]),
            node("./local", &["ghcr.io/f/python:1"], &[]),
            node("ghcr.io/f/git:1", &[], &["ghcr.io/f/absent"]),
        ];
        let order = install_order(&nodes, &[]).unwrap();
        assert_eq!(
            keys(&nodes, &order),
            [
                "ghcr.io/f/common-utils:2",
                "ghcr.io/f/git:1",
                "ghcr.io/f/python:1",
                "./local"
            ]
        );
    }

    #[test]
    fn the_override_order_ranks_within_what_is_ready() {
        let nodes = [
            node("ghcr.io/f/a:1", &[], &[]),
            node("ghcr.io/f/b:1", &[], &[]),
            node("ghcr.io/f/c:1", &["ghcr.io/f/a"], &[]),
        ];
        let order = install_order(&nodes, &["ghcr.io/f/c".into(), "ghcr.io/f/b".into()]).unwrap();
        // c must wait for a; b ranks above a.
        assert_eq!(
            keys(&nodes, &order),
            ["ghcr.io/f/b:1", "ghcr.io/f/a:1", "ghcr.io/f/c:1"]
        );
    }

    #[test]
    fn a_cycle_names_the_features_in_it() {
        let nodes = [
            node("ghcr.io/f/a:1", &["ghcr.io/f/b:1"], &[]),
            node("ghcr.io/f/b:1", &["ghcr.io/f/a:1"], &[]),
            node("ghcr.io/f/c:1", &[], &[]),
        ];
        let err = install_order(&nodes, &[]).unwrap_err().to_string();
        assert!(
            err.contains("cycle") && err.contains("ghcr.io/f/a:1, ghcr.io/f/b:1"),
            "{err}"
        );
        let missing = [node("./x", &["ghcr.io/f/gone:1"], &[])];
        let err = install_order(&missing, &[]).unwrap_err().to_string();
        assert!(err.contains("ghcr.io/f/gone:1"), "{err}");
    }

    #[test]
    fn versions_are_stripped_but_ports_kept() {
        assert_eq!(strip_version("localhost:5000/x/y:1"), "localhost:5000/x/y");
        assert_eq!(strip_version("ghcr.io/x/y@sha256:ab"), "ghcr.io/x/y");
        assert_eq!(strip_version("ghcr.io/x/y"), "ghcr.io/x/y");
    }
}
