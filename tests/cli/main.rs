//! The `berth` binary's verbs that need no Docker engine, run as a user runs them: a real
//! pseudo-terminal where the verb draws a live view, stand-ins on PATH for programs that
//! cannot be installed here (VS Code), temporary copies of fixture files.

mod code;
mod doctor;
mod gpu;
mod wsl;
