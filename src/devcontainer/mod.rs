//! devcontainer.json: the typed model, the strict JSONC reader and byte-preserving editor,
//! variable substitution and config discovery, as the Dev Container spec defines them.
