//! "Check this flag from your code": the few lines that ask for a flag with
//! Unleash's Python, Node and browser SDKs, pointed at this server as the
//! page was opened (its `Host`), shown on the flag's page. The wording of the
//! snippets lives here, not in the template.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::state::AppState;

pub struct Snippet {
    /// "Python", "Node", "Browser".
    pub sdk: &'static str,
    /// The package to install: `pip install UnleashClient`.
    pub install: &'static str,
    pub code: String,
}

/// The snippets for `flag` on the server at `base` (`http://host:port`).
pub fn snippets(base: &str, flag: &str) -> Vec<Snippet> {
    vec![
        Snippet {
            sdk: "Python",
            install: "pip install UnleashClient",
            code: format!(
                "from UnleashClient import UnleashClient\n\n\
                 client = UnleashClient(\n    url=\"{base}/api\",\n    app_name=\"my-app\",\n    \
                 custom_headers={{\"Authorization\": \"<backend token>\"}},\n)\n\
                 client.initialize_client()\n\n\
                 if client.is_enabled(\"{flag}\", {{\"userId\": \"42\"}}):\n    ...\n"
            ),
        },
        Snippet {
            sdk: "Node",
            install: "npm install unleash-client",
            code: format!(
                "const {{ initialize }} = require('unleash-client');\n\n\
                 const unleash = initialize({{\n  url: '{base}/api',\n  appName: 'my-app',\n  \
                 customHeaders: {{ Authorization: '<backend token>' }},\n}});\n\n\
                 unleash.on('synchronized', () => {{\n  \
                 if (unleash.isEnabled('{flag}', {{ userId: '42' }})) {{\n    // …\n  }}\n}});\n"
            ),
        },
        Snippet {
            sdk: "Browser",
            install: "npm install unleash-proxy-client",
            code: format!(
                "import {{ UnleashClient }} from 'unleash-proxy-client';\n\n\
                 const unleash = new UnleashClient({{\n  url: '{base}/api/frontend',\n  \
                 clientKey: '<frontend token>',\n  appName: 'my-app',\n}});\n\
                 unleash.on('ready', () => {{\n  if (unleash.isEnabled('{flag}')) {{\n    // …\n  }}\n}});\n\
                 unleash.start();\n"
            ),
        },
    ]
}

/// The server's base URL as this request reached it: the `Host` the browser
/// used, `https` when the public URL is (else `http`).
pub struct OpenedAt(pub String);

impl FromRequestParts<AppState> for OpenedAt {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or("localhost:4242");
        let scheme = if state.ui.secure_cookies {
            "https"
        } else {
            "http"
        };
        Ok(OpenedAt(format!("{scheme}://{host}")))
    }
}
