//! Jute, ZooKeeper's record serialisation (placeholder while the codec is written).
