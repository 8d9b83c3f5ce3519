//! Path rules. Counterpart of `org.apache.zookeeper.common.PathUtils`.

use jute_codec::ErrorCode;

/// Validates a path exactly as `PathUtils.validatePath(path, isSequential)` does: absolute,
/// no trailing slash (except "/"), no empty, "." or ".." components, no null or
/// disallowed characters. `is_sequential` allows a trailing slash (the suffix is appended).
///
/// # Errors
/// `ErrorCode::BadArguments` (what ZooKeeper answers for `IllegalArgumentException`).
pub fn validate(path: &str, is_sequential: bool) -> Result<(), ErrorCode> {
    let _ = (path, is_sequential);
    unimplemented!("helper fills this in")
}

/// The parent of a valid, non-root path ("/a/b" -> "/a", "/a" -> "/").
pub fn parent(path: &str) -> &str {
    let _ = path;
    unimplemented!("helper fills this in")
}

/// The last component of a valid, non-root path ("/a/b" -> "b").
pub fn name(path: &str) -> &str {
    let _ = path;
    unimplemented!("helper fills this in")
}
