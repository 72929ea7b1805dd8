//! Transport types for recipes (`berth new`, `berth recipes --json`, the wizard).
