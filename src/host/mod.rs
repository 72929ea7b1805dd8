//! Facts about the machine Berth runs on and the checks that tell a user what to fix.

pub mod doctor;
pub mod facts;
pub mod wsl;
