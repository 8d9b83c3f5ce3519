//! zkrs server (placeholder module map; see ARCHITECTURE.md).
pub mod cli;
pub mod config;
pub mod error;
pub mod metrics;
pub mod net;
pub mod pipeline;
