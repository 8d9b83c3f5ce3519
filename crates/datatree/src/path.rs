//! Path rules. Counterpart of `org.apache.zookeeper.common.PathUtils` (validation) and of the
//! `lastIndexOf('/')` splitting that `DataTree` and `PrepRequestProcessor` do by hand.
//!
//! Java strings are UTF-16, and `validatePath` walks UTF-16 code units. Rust strings hold
//! Unicode scalar values, so a character outside the Basic Multilingual Plane (which Java sees
//! as a surrogate pair, `\ud800`..`\udfff`) is rejected here exactly where Java rejects it.

use jute_codec::ErrorCode;

/// Validates a path exactly as `PathUtils.validatePath(path, isSequential)` does: absolute,
/// no trailing slash (except "/"), no empty, "." or ".." components, no null or
/// disallowed characters. `is_sequential` allows a trailing slash (the suffix is appended).
///
/// The disallowed characters are those of `PathUtils`: `\u0000`, `\u0001`..`\u001f`,
/// `\u007f`..`\u009f`, `\ud800`..`\uf8ff` (surrogates, so every non-BMP character, and the
/// private use area) and `\ufff0`..`\uffff`.
///
/// # Errors
/// `ErrorCode::BadArguments` (what `PrepRequestProcessor.validatePath` answers for the
/// `IllegalArgumentException`).
pub fn validate(path: &str, is_sequential: bool) -> Result<(), ErrorCode> {
    // ZK-COMPAT: PathUtils.java: validatePath(path, true) validates `path + "1"`, so a
    // sequential path may end with '/' (the parent's name is then empty-suffixed: "/a/"
    // creates "/a/0000000001") and "/" itself is a valid sequential prefix.
    if is_sequential {
        validate_chars(path.chars().chain(std::iter::once('1')))
    } else {
        validate_chars(path.chars())
    }
}

/// The rule loop of `validatePath(String)`, over the path's characters.
fn validate_chars(chars: impl Iterator<Item = char> + Clone) -> Result<(), ErrorCode> {
    let mut it = chars.clone();
    match it.next() {
        // Empty path.
        None => return Err(ErrorCode::BadArguments),
        Some('/') => {}
        Some(_) => return Err(ErrorCode::BadArguments),
    }
    // The root is valid; everything else must not end with '/'.
    let mut last = None;
    for c in it.clone() {
        last = Some(c);
    }
    match last {
        None => return Ok(()),
        Some('/') => return Err(ErrorCode::BadArguments),
        Some(_) => {}
    }
    // Walk with a window of (the char before the previous, previous, current, next), which is
    // all the Java loop looks at (`chars[i - 2]`, `lastc`, `c`, `chars[i + 1]`).
    let mut before_last = '\0';
    let mut last = '/';
    let mut rest = it.peekable();
    while let Some(c) = rest.next() {
        let next = rest.peek().copied();
        let ends_component = matches!(next, None | Some('/'));
        // '\0', or an empty node name.
        let bad = if c == '\0' || (c == '/' && last == '/') {
            true
        } else if c == '.' && last == '.' {
            before_last == '/' && ends_component // ".."
        } else if c == '.' {
            last == '/' && ends_component // "."
        } else {
            is_disallowed_char(c)
        };
        if bad {
            return Err(ErrorCode::BadArguments);
        }
        before_last = last;
        last = c;
    }
    Ok(())
}

/// The character ranges `validatePath` rejects (besides `\0`), in UTF-16 terms.
fn is_disallowed_char(c: char) -> bool {
    let u = u32::from(c);
    (0x01..=0x1f).contains(&u)
        || (0x7f..=0x9f).contains(&u)
        // Rust chars are never surrogates, but a non-BMP char is a surrogate pair in Java.
        || (0xd800..=0xf8ff).contains(&u)
        || (0xfff0..=0xffff).contains(&u)
        || u > 0xffff
}

/// The parent of a valid, non-root path ("/a/b" -> "/a", "/a" -> "/").
///
/// # Panics
/// If `path` contains no '/' (callers pass validated absolute paths).
pub fn parent(path: &str) -> &str {
    let slash = path.rfind('/').expect("parent() of a path without '/'");
    if slash == 0 {
        "/"
    } else {
        &path[..slash]
    }
}

/// The last component of a valid, non-root path ("/a/b" -> "b").
///
/// # Panics
/// If `path` contains no '/' (callers pass validated absolute paths).
pub fn name(path: &str) -> &str {
    let slash = path.rfind('/').expect("name() of a path without '/'");
    &path[slash + 1..]
}

/// The sequential suffix ZooKeeper appends: the parent's (persisted) cversion as `%010d`.
/// Negative values keep Java's formatting (`-000000001`), as `String.format` does.
pub fn sequential_suffix(parent_cversion: i32) -> String {
    format!("{parent_cversion:010}")
}

/// The length of `s` as Java's `String.length()` counts it (UTF-16 code units). Used where
/// ZooKeeper reports sizes derived from path lengths (`approximateDataSize`).
pub fn java_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> bool {
        validate(p, false).is_ok()
    }

    #[test]
    fn empty_path_is_rejected() {
        assert_eq!(validate("", false), Err(ErrorCode::BadArguments));
    }

    #[test]
    fn relative_path_is_rejected() {
        assert!(!ok("a"));
        assert!(!ok("a/b"));
    }

    #[test]
    fn root_is_valid() {
        assert!(ok("/"));
    }

    #[test]
    fn trailing_slash_is_rejected_unless_sequential() {
        assert!(!ok("/a/"));
        assert!(validate("/a/", true).is_ok());
        assert!(validate("/", true).is_ok());
        assert!(validate("", true).is_err());
        assert!(validate("/a//", true).is_err());
    }

    #[test]
    fn empty_component_is_rejected() {
        assert!(!ok("//"));
        assert!(!ok("/a//b"));
    }

    #[test]
    fn dot_and_dot_dot_components_are_rejected() {
        assert!(!ok("/."));
        assert!(!ok("/.."));
        assert!(!ok("/a/."));
        assert!(!ok("/a/./b"));
        assert!(!ok("/a/.."));
        assert!(!ok("/a/../b"));
        assert!(validate("/a/.", true).is_ok()); // "/a/.1"
    }

    #[test]
    fn dots_inside_names_are_allowed() {
        assert!(ok("/.a"));
        assert!(ok("/a."));
        assert!(ok("/..."));
        assert!(ok("/a..b"));
        assert!(ok("/..a"));
        assert!(ok("/a/.b/c.."));
    }

    #[test]
    fn null_character_is_rejected() {
        assert!(!ok("/a\0b"));
        assert!(!ok("/\0"));
    }

    #[test]
    fn control_characters_are_rejected() {
        for c in (0x01u32..=0x1f).chain(0x7f..=0x9f) {
            let p = format!("/a{}", char::from_u32(c).expect("valid char"));
            assert!(!ok(&p), "{c:#x}");
        }
        assert!(ok("/a b"));
        assert!(ok("/a\u{a0}"));
        assert!(ok("/~"));
    }

    #[test]
    fn private_use_and_specials_and_non_bmp_are_rejected() {
        assert!(!ok("/\u{e000}"));
        assert!(!ok("/\u{f8ff}"));
        assert!(ok("/\u{f900}"));
        assert!(ok("/\u{ffef}"));
        assert!(!ok("/\u{fff0}"));
        assert!(!ok("/\u{fffd}"));
        assert!(!ok("/\u{ffff}"));
        assert!(!ok("/\u{1f600}"));
        assert!(ok("/\u{d7ff}"));
        assert!(ok("/é/日本"));
    }

    #[test]
    fn parent_and_name_split_at_the_last_slash() {
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(name("/a/b"), "b");
        assert_eq!(name("/a"), "a");
    }

    #[test]
    fn sequential_suffix_is_ten_digits_zero_padded() {
        assert_eq!(sequential_suffix(0), "0000000000");
        assert_eq!(sequential_suffix(42), "0000000042");
        assert_eq!(sequential_suffix(i32::MAX), "2147483647");
        assert_eq!(sequential_suffix(-1), "-000000001");
    }

    #[test]
    fn java_len_counts_utf16_units() {
        assert_eq!(java_len("/abc"), 4);
        assert_eq!(java_len("/é"), 2);
        assert_eq!(java_len("/\u{1f600}"), 3);
    }
}
