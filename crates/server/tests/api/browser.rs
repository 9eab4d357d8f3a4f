//! A browser without JavaScript for the web UI tests: no redirects followed,
//! the session cookie kept by hand, forms posted with the `_csrf` token read
//! from the page.

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::helpers::*;

pub const ADMIN_USER: &str = "alice";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// A browser: no redirects followed, the session cookie kept by hand.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: Option<String>,
    /// The notice cookie a change left for the next page (`ui::feedback`).
    pub notice: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
    }

    /// The `_csrf` hidden input's value.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let at = self.body.find(marker).expect("a _csrf input") + marker.len();
        let rest = &self.body[at..];
        rest[..rest.find('"').expect("end of value")].to_owned()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client"),
            base: app.base.clone(),
            cookie: None,
            notice: None,
        }
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let cookies: Vec<String> = [
            ("flagstaff_session", &self.cookie),
            ("flagstaff_notice", &self.notice),
        ]
        .iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v}")))
        .collect();
        let request = if cookies.is_empty() {
            request
        } else {
            request.header("Cookie", cookies.join("; "))
        };
        let response = request.send().await.expect("answered");
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().expect("cookie text");
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Lax"),
                "{set}"
            );
            let (name, value) = set
                .split(';')
                .next()
                .and_then(|pair| pair.split_once('='))
                .expect("a cookie");
            let value = (!value.is_empty()).then(|| value.to_owned());
            match name {
                "flagstaff_session" => self.cookie = value,
                "flagstaff_notice" => self.notice = value,
                other => panic!("an unexpected cookie {other}"),
            }
        }
        let body = response.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    pub async fn sign_in(&mut self, login: &str, password: &str) -> Page {
        self.post("/login", &[("login", login), ("password", password)])
            .await
    }
}

pub fn with_admin(args: &mut flagstaff_server::ServeArgs) {
    args.init_admin_user = Some(ADMIN_USER.to_owned());
    args.init_admin_password = Some(ADMIN_PASSWORD.to_owned());
}

/// A browser signed in as the `INIT_ADMIN_USER` admin of an app spawned
/// with [`with_admin`].
#[allow(dead_code)] // until the screen tests sign in with it
pub async fn admin_browser(app: &TestApp) -> Browser {
    let mut browser = Browser::new(app);
    let signed = browser.sign_in(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    browser
}
