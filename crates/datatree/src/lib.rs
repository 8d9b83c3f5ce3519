//! Counterpart of ZooKeeper's `DataTree` + `WatchManager` (placeholder).
