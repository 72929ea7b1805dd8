//! Transport types for `berth config` (a resolved devcontainer.json).
