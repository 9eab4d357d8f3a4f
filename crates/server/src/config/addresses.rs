//! How the options name addresses: a URL's host (the public URL's, for the
//! web UI's origin check), a network (`--trusted-proxies`), and the address
//! the server listens on as links and the log show it.

/// `host[:port]` of a URL (`https://flags.example.com/` → `flags.example.com`).
pub fn url_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A network (`10.0.0.0/8`, `fd00::/8`) or one address (`10.1.2.3`), as
/// `--trusted-proxies` takes them.
pub fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("{text:?} is neither an address nor a network (CIDR, e.g. 10.0.0.0/8)")
        })
}

/// How the log and links name a listening address: `localhost` for all
/// interfaces (`0.0.0.0`, `::`), else the address itself, with the port.
pub fn printed_host(address: std::net::SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("localhost:{}", address.port())
    } else {
        address.to_string()
    }
}
