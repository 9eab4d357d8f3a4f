use super::*;

#[test]
fn special_purpose_and_embedded_addresses_are_internal() {
    let internal = [
        // IPv4 special-purpose registry.
        "0.0.0.0",
        "0.1.2.3",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.254",
        "127.0.0.1",
        "127.255.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        // IPv6 special-purpose registry.
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "febf::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "2001:db8::1",
        "100::1",
        "2001:2::1",
        "2001:10::1",
        "2001:20::1",
        "3fff::1",
        "5f00::1",
        "64:ff9b:1::1",
        "64:ff9b:1:ffff::7f00:1",
        // IPv4 inside IPv6, judged by the IPv4 address.
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "::7f00:1",
        "::10.0.0.1",
        "::198.18.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b::c0a8:101",
        "2002:7f00:1::",
        "2002:7f00:1::1",
        "2002:a00:1:1::",
        "2002:a9fe:a9fe::1",
        "2002:c612:1::",
        // Teredo: the client's address is the last 32 bits, inverted.
        "2001:0:4136:e378:8000:63bf:80ff:fffe", // 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe", // 10.0.0.1
        "2001::5601:5601",                      // 169.254.169.254
    ];
    for text in internal {
        let ip: IpAddr = text.parse().expect(text);
        assert!(is_internal(ip), "{text} should be internal");
    }
    let public = [
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.1",
        "172.32.0.1",
        "198.17.255.255",
        "198.20.0.1",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:93.184.215.14",
        "64:ff9b::5db8:d70e",
        "2002:5db8:d70e::1",
        "2001:0:4136:e378:8000:63bf:a247:28f1", // Teredo client 93.184.215.14
    ];
    for text in public {
        let ip: IpAddr = text.parse().expect(text);
        assert!(!is_internal(ip), "{text} should be public");
    }
}

#[test]
fn embedded_forms_name_the_ipv4_inside() {
    let cases = [
        ("::ffff:127.0.0.1", "127.0.0.1", "IPv4-mapped"),
        ("::127.0.0.1", "127.0.0.1", "IPv4-compatible"),
        ("64:ff9b::7f00:1", "127.0.0.1", "NAT64"),
        ("2002:7f00:1::", "127.0.0.1", "6to4"),
        (
            "2001:0:4136:e378:8000:63bf:80ff:fffe",
            "127.0.0.1",
            "Teredo",
        ),
    ];
    for (text, inside, form) in cases {
        let ip: Ipv6Addr = text.parse().expect(text);
        let expected: Ipv4Addr = inside.parse().expect(inside);
        assert_eq!(embedded_ipv4(ip), Some((expected, form)), "{text}");
    }
    for text in ["::", "::1", "2606:4700::1111", "fe80::1"] {
        let ip: Ipv6Addr = text.parse().expect(text);
        assert_eq!(embedded_ipv4(ip), None, "{text}");
    }
}

#[tokio::test]
async fn internal_targets_are_refused_unless_allowed() {
    let strict = TargetPolicy::default();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://198.18.0.1/hook",
        "http://[::1]:9/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
    ] {
        assert!(
            strict.problem(url).await.is_some(),
            "{url} should be refused"
        );
    }
    let why = strict
        .problem("http://[64:ff9b::7f00:1]/hook")
        .await
        .unwrap_or_default();
    assert!(why.contains("NAT64 form of 127.0.0.1"), "{why}");
    for url in ["ftp://example.com/x", "not a url", "file:///etc/passwd"] {
        assert!(strict.problem(url).await.is_some(), "{url}");
    }
    assert!(strict.problem("https://93.184.215.14/hook").await.is_none());
    assert!(strict
        .problem("https://[64:ff9b::5db8:d70e]/hook")
        .await
        .is_none());
    let open = TargetPolicy {
        allow_private: true,
        ..TargetPolicy::default()
    };
    assert!(open.problem("http://127.0.0.1:9/hook").await.is_none());
    assert!(open.problem("http://[::127.0.0.1]:9/hook").await.is_none());
    let listed = TargetPolicy {
        allowed_hosts: vec!["localhost".to_owned()],
        ..TargetPolicy::default()
    };
    assert!(listed.problem("http://localhost:9/hook").await.is_none());
    assert!(listed.problem("http://127.0.0.1:9/hook").await.is_some());
}

/// At connection time (after the check when the integration was saved,
/// and the one before each send), a name that resolves to an internal
/// address is refused again: DNS rebinding gains nothing.
#[tokio::test]
async fn the_resolver_drops_internal_addresses_unless_allowed() {
    let resolver = |policy: TargetPolicy| PolicyResolver { policy };
    let why = resolver(TargetPolicy::default())
        .addresses("localhost")
        .await
        .expect_err("localhost is internal");
    assert!(why.contains("only to internal addresses"), "{why}");
    let open = resolver(TargetPolicy {
        allow_private: true,
        ..TargetPolicy::default()
    });
    assert!(open
        .addresses("localhost")
        .await
        .is_ok_and(|found| found.iter().any(|a| a.ip().is_loopback())));
    let listed = resolver(TargetPolicy {
        allowed_hosts: vec!["localhost".to_owned()],
        ..TargetPolicy::default()
    });
    assert!(listed.addresses("localhost").await.is_ok());
    let other = resolver(TargetPolicy {
        allowed_hosts: vec!["example.com".to_owned()],
        ..TargetPolicy::default()
    });
    assert!(other.addresses("localhost").await.is_err());
}
