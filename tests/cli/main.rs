//! The `berth` binary's verbs that need no Docker engine, run as a user runs them (a
//! real pseudo-terminal where the verb draws a live view).

mod gpu;
