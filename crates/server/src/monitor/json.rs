//! A JSON value and the exact text Jackson's `ObjectMapper` with `INDENT_OUTPUT` writes for
//! it: what ZooKeeper's AdminServer (`JsonOutputter`) sends.
//!
//! Jackson's `DefaultPrettyPrinter`: objects open with `{`, one `"key" : value` per line,
//! indented two spaces per object level, and close on their own line; `{ }` when empty.
//! Arrays stay on one line, `[ a, b ]` (`[ ]` when empty), and an object inside an array
//! continues on it: `[ {` ... `}, {` ... `} ]`. Doubles print as Java's `Double.toString`.

use crate::net::four_letter::java_double_to_string;

/// A JSON value; objects keep their insertion order (`LinkedHashMap`).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A Java `long`/`int`.
    Long(i64),
    /// A Java `double`.
    Double(f64),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, in insertion order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// An empty object.
    pub fn object() -> Json {
        Json::Object(Vec::new())
    }

    /// Sets `key` like `LinkedHashMap.put`: an existing key keeps its place.
    ///
    /// # Panics
    /// When `self` is not an object.
    pub fn put(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        let Json::Object(fields) = self else {
            panic!("Json::put on a non-object");
        };
        let key = key.into();
        let value = value.into();
        match fields.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => fields.push((key, value)),
        }
    }

    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Jackson's indented text, without a trailing newline.
    pub fn to_pretty(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, level: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Long(v) => out.push_str(&v.to_string()),
            Json::Double(v) => {
                if v.is_finite() {
                    out.push_str(&java_double_to_string(*v));
                } else {
                    // Jackson writes non-finite doubles as quoted strings by default.
                    out.push('"');
                    out.push_str(&java_double_to_string(*v));
                    out.push('"');
                }
            }
            Json::Str(s) => write_string(out, s),
            Json::Array(items) => {
                if items.is_empty() {
                    out.push_str("[ ]");
                    return;
                }
                out.push_str("[ ");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out, level);
                }
                out.push_str(" ]");
            }
            Json::Object(fields) => {
                if fields.is_empty() {
                    out.push_str("{ }");
                    return;
                }
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    indent(out, level + 1);
                    write_string(out, k);
                    out.push_str(" : ");
                    v.write(out, level + 1);
                }
                out.push('\n');
                indent(out, level);
                out.push('}');
            }
        }
    }
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// Jackson's string escaping: `"` and `\`, the short escapes for control characters it has
/// them for, `\u00XX` for the other control characters; everything else as is.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<bool> for Json {
    fn from(v: bool) -> Self {
        Json::Bool(v)
    }
}

impl From<i64> for Json {
    fn from(v: i64) -> Self {
        Json::Long(v)
    }
}

impl From<i32> for Json {
    fn from(v: i32) -> Self {
        Json::Long(i64::from(v))
    }
}

impl From<u32> for Json {
    fn from(v: u32) -> Self {
        Json::Long(i64::from(v))
    }
}

impl From<u64> for Json {
    fn from(v: u64) -> Self {
        Json::Long(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Json {
    fn from(v: usize) -> Self {
        Json::Long(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Json {
    fn from(v: f64) -> Self {
        Json::Double(v)
    }
}

impl From<&str> for Json {
    fn from(v: &str) -> Self {
        Json::Str(v.to_owned())
    }
}

impl From<String> for Json {
    fn from(v: String) -> Self {
        Json::Str(v)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(v: Option<T>) -> Self {
        v.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(v: Vec<T>) -> Self {
        Json::Array(v.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_and_arrays_indent_like_jackson() {
        let mut conn = Json::object();
        conn.put("remote_socket_address", "127.0.0.1:60006");
        conn.put("interest_ops", 1i64);
        let mut root = Json::object();
        root.put("connections", Json::Array(vec![conn.clone(), conn]));
        root.put("secure_connections", Json::Array(vec![]));
        root.put("ids", Json::from(vec![1i64, 2]));
        root.put("empty", Json::object());
        root.put("avg", 0.0);
        root.put("command", "connections");
        root.put("error", Json::Null);
        let expected = "{\n  \"connections\" : [ {\n    \"remote_socket_address\" : \"127.0.0.1:60006\",\n    \"interest_ops\" : 1\n  }, {\n    \"remote_socket_address\" : \"127.0.0.1:60006\",\n    \"interest_ops\" : 1\n  } ],\n  \"secure_connections\" : [ ],\n  \"ids\" : [ 1, 2 ],\n  \"empty\" : { },\n  \"avg\" : 0.0,\n  \"command\" : \"connections\",\n  \"error\" : null\n}";
        assert_eq!(root.to_pretty(), expected);
    }

    #[test]
    fn strings_escape_like_jackson() {
        let v = Json::from("a\"b\\c\nd\te\u{1}/é");
        assert_eq!(v.to_pretty(), "\"a\\\"b\\\\c\\nd\\te\\u0001/é\"");
    }

    #[test]
    fn put_keeps_the_first_position() {
        let mut o = Json::object();
        o.put("a", 1i64);
        o.put("b", 2i64);
        o.put("a", 3i64);
        assert_eq!(o.to_pretty(), "{\n  \"a\" : 3,\n  \"b\" : 2\n}");
    }
}
