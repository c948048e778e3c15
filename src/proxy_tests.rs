use super::*;
use actix_web::test::TestRequest;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn nets(s: &str) -> Vec<IpNet> {
    s.parse::<TrustedProxies>().unwrap().0
}

/// Headers as sent, in order; `None` stands for a value that is not text.
fn pick(values: &[Option<&str>], trusted: &str) -> IpAddr {
    forwarded_client(values.iter().copied(), ip("127.0.0.1"), &nets(trusted))
}

#[test]
fn forwarded_for_gives_the_right_most_untrusted_hop() {
    let cases: &[(&[Option<&str>], &str, &str)] = &[
        (&[], "", "127.0.0.1"),
        (&[Some("")], "", "127.0.0.1"),
        (&[Some("8.8.8.8")], "", "8.8.8.8"),
        // Appended by nginx: the client wrote 1.1.1.1.
        (&[Some("1.1.1.1, 8.8.8.8")], "", "8.8.8.8"),
        (&[Some("1.1.1.1,8.8.8.8")], "", "8.8.8.8"),
        (&[Some("1.1.1.1"), Some("8.8.8.8")], "", "8.8.8.8"),
        (
            &[Some("8.8.8.8"), Some("1.1.1.1, 127.0.0.1")],
            "",
            "1.1.1.1",
        ),
        // The peer and --trusted-proxies are skipped.
        (&[Some("1.1.1.1, 8.8.8.8, 127.0.0.1")], "", "8.8.8.8"),
        (
            &[Some("1.1.1.1, 8.8.8.8, 10.0.0.2")],
            "10.0.0.0/8",
            "8.8.8.8",
        ),
        (&[Some("1.1.1.1, 8.8.8.8, 10.0.0.2")], "", "10.0.0.2"),
        (
            &[Some("1.1.1.1, 8.8.8.8, 10.0.0.2, 192.0.2.1")],
            "10.0.0.0/8,192.0.2.1",
            "8.8.8.8",
        ),
        (&[Some("1.1.1.1, ::ffff:10.0.0.2")], "10.0.0.0/8", "1.1.1.1"),
        // All trusted: the left-most of them.
        (&[Some("10.0.0.1, 10.0.0.2")], "10.0.0.0/8", "10.0.0.1"),
        (&[Some("127.0.0.1")], "", "127.0.0.1"),
        // Unparsable on the right: the last trusted hop.
        (&[Some("8.8.8.8, unknown")], "", "127.0.0.1"),
        (
            &[Some("8.8.8.8, unknown, 10.0.0.2")],
            "10.0.0.0/8",
            "10.0.0.2",
        ),
        (&[Some("8.8.8.8"), None], "", "127.0.0.1"),
        (&[Some("8.8.8.8, _hidden")], "", "127.0.0.1"),
        (&[Some("8.8.8.8, 1.2.3")], "", "127.0.0.1"),
        (&[Some("8.8.8.8, fe80::1%eth0")], "", "127.0.0.1"),
        // Unparsable to the left of the answer does not matter.
        (&[Some("unknown, 8.8.8.8")], "", "8.8.8.8"),
        (&[None, Some("8.8.8.8")], "", "8.8.8.8"),
        // Empty elements are no hops.
        (&[Some(" , 8.8.8.8 ,, ")], "", "8.8.8.8"),
        // Ports and brackets.
        (&[Some("1.1.1.1, 8.8.8.8:5678")], "", "8.8.8.8"),
        (&[Some("1.1.1.1, [2001:db8::1]:443")], "", "2001:db8::1"),
        (&[Some("1.1.1.1, [2001:db8::1]")], "", "2001:db8::1"),
        (&[Some("1.1.1.1, 2001:db8::1")], "", "2001:db8::1"),
        (&[Some("1.1.1.1, ::ffff:8.8.8.8")], "", "8.8.8.8"),
    ];
    for (values, trusted, want) in cases {
        assert_eq!(
            pick(values, trusted),
            ip(want),
            "{values:?} trusted {trusted:?}"
        );
    }
}

fn proxy(trust: bool, header: &str, trusted: &str, public: Option<&str>) -> Proxy {
    Proxy {
        trust,
        header: parse_ip_header(header).unwrap(),
        trusted: nets(trusted),
        public_url: public.map(|p| p.parse().unwrap()),
    }
}

fn request(headers: &[(&str, &str)]) -> HttpRequest {
    let mut r = TestRequest::default().peer_addr("[::ffff:127.0.0.1]:4000".parse().unwrap());
    for (k, v) in headers {
        r = r.append_header((*k, *v));
    }
    r.to_http_request()
}

#[test]
fn client_ip_reads_only_the_configured_header_of_a_trusted_proxy() {
    let all = [
        ("X-Forwarded-For", "1.1.1.1, 8.8.8.8"),
        ("X-Real-IP", "5.6.7.8"),
        ("CF-Connecting-IP", "9.9.9.9"),
    ];
    let cases = [
        (false, "X-Forwarded-For", &all[..], "127.0.0.1"),
        (false, "X-Real-IP", &all[..], "127.0.0.1"),
        (true, "X-Forwarded-For", &all[..], "8.8.8.8"),
        (true, "x-real-ip", &all[..], "5.6.7.8"),
        (true, "CF-Connecting-IP", &all[..], "9.9.9.9"),
        (true, "X-Forwarded-For", &all[1..], "127.0.0.1"),
        (true, "X-Real-IP", &all[..1], "127.0.0.1"),
        (
            true,
            "X-Real-IP",
            &[("X-Real-IP", " ::ffff:5.6.7.8 ")],
            "5.6.7.8",
        ),
        (
            true,
            "X-Real-IP",
            &[("X-Real-IP", "5.6.7.8, 1.1.1.1")],
            "127.0.0.1",
        ),
        // Two copies: the proxy appended instead of overwriting.
        (
            true,
            "X-Real-IP",
            &[("X-Real-IP", "5.6.7.8"), ("X-Real-IP", "1.1.1.1")],
            "127.0.0.1",
        ),
    ];
    for (trust, header, headers, want) in cases {
        let got = proxy(trust, header, "", None).client_ip(&request(headers));
        assert_eq!(got, Some(ip(want)), "{trust} {header} {headers:?}");
    }
}

#[test]
fn the_country_header_counts_only_behind_cloudflare() {
    let req = request(&[("CF-IPCountry", "DE")]);
    assert_eq!(
        proxy(true, "CF-Connecting-IP", "", None).country(&req),
        Some("de".into())
    );
    assert_eq!(proxy(true, "X-Forwarded-For", "", None).country(&req), None);
    assert_eq!(proxy(true, "X-Real-IP", "", None).country(&req), None);
    assert_eq!(
        proxy(false, "CF-Connecting-IP", "", None).country(&req),
        None
    );
    let cf = proxy(true, "CF-Connecting-IP", "", None);
    for bad in ["XX", "T1", "DEU", "", "d"] {
        assert_eq!(
            cf.country(&request(&[("CF-IPCountry", bad)])),
            None,
            "{bad}"
        );
    }
}

#[test]
fn https_and_origin_believe_only_the_trusted_proxy_and_public_url() {
    let spoof = [
        ("Host", "track.test"),
        ("X-Forwarded-Host", "evil.test"),
        ("Forwarded", "host=evil.test;proto=https"),
        ("X-Forwarded-Proto", "https"),
    ];
    let req = request(&spoof);
    let trusted = proxy(true, "X-Forwarded-For", "", None);
    let untrusted = proxy(false, "X-Forwarded-For", "", None);
    assert!(trusted.https(&req));
    assert!(!untrusted.https(&req));
    assert_eq!(trusted.origin(&req), "https://track.test");
    assert_eq!(untrusted.origin(&req), "http://track.test");
    let public = proxy(false, "X-Forwarded-For", "", Some("https://t.example.com/"));
    assert!(public.https(&request(&[])));
    assert_eq!(public.origin(&req), "https://t.example.com");
    let http = proxy(true, "X-Forwarded-For", "", Some("http://t.example.com"));
    assert!(!http.https(&request(&[])));
    assert!(http.https(&req));
    // The right-most value is the nearest proxy's.
    assert!(!trusted.https(&request(&[("X-Forwarded-Proto", "https, http")])));
    assert!(trusted.https(&request(&[
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Proto", "https")
    ])));
    // A Host that cannot be part of a URL is not used.
    let odd = request(&[("Host", "evil.test/x?y=")]);
    assert_eq!(untrusted.origin(&odd), "http://localhost");
}

#[test]
fn options_parse_or_say_what_is_wrong() {
    assert_eq!(
        nets(" 10.0.0.0/8, 192.0.2.1 ,,2001:db8::/32 "),
        ["10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32"].map(|n| n.parse::<IpNet>().unwrap())
    );
    assert_eq!(nets(""), vec![]);
    for bad in ["10.0.0.0/33", "nonsense", "10.0.0.1, x"] {
        assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
    }
    let url = |s: &str| s.parse::<PublicUrl>().map(|u| u.as_str().to_string());
    assert_eq!(
        url("https://track.example.com/").unwrap(),
        "https://track.example.com"
    );
    assert_eq!(
        url("HTTP://t.test:8080/track").unwrap(),
        "http://t.test:8080/track"
    );
    assert_eq!(
        url("https://[2001:db8::1]:443").unwrap(),
        "https://[2001:db8::1]:443"
    );
    for bad in [
        "track.example.com",
        "ftp://t.test",
        "https://",
        "https://a.test/?x",
        "https://u@a.test",
        "https://a b",
    ] {
        assert!(url(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_ip_header(" X-Real-IP ").unwrap(), "x-real-ip");
    assert!(parse_ip_header("X Real IP").is_err());
    assert!(parse_ip_header("Forwarded").is_err());
}
