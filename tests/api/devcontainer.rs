//! `berth config` against the reference Dev Containers CLI.
