//! Monitoring: the four-letter words' data, the AdminServer, the Prometheus endpoint and the
//! ZooKeeper metric registry behind `mntr`.

pub mod java;
pub mod json;
pub mod registry;
pub mod core_hooks;
pub mod process;
