//! A name as one percent-encoded URL path segment, for the links and
//! `Location` headers the web UI and the API build (names may hold any
//! character, and a header value no control character).

/// `text` as one percent-encoded path segment.
pub(crate) fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn every_other_byte_is_percent_encoded() {
        assert_eq!(path_segment("my app/1 ä"), "my%20app%2F1%20%C3%A4");
        assert_eq!(path_segment("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(path_segment("\u{1f}"), "%1F");
    }
}
