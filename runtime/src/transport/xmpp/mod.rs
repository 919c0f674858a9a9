//! XMPP client transport (tokio-xmpp): a client-to-server session with the JID and password of
//! the config, STARTTLS verified against a configured CA or the system's roots
//! ([`crate::net::tls`], through an own [`StartTls`] connector), reconnects with
//! [`crate::net::Backoff`].
//!
//! - **Requests** of the connector plugin (`request{target: a JID, method: "get" | "set",
//!   body: the IQ's child element as XML}`) go out as `<iq type to id>`; the answer is matched
//!   by id and comes back as `answer{status: 0, headers: [type, from], body: the whole answer
//!   <iq>}`. The driver applies the time-out.
//! - **Inbound** `<message>` stanzas go to the connector with channel = the sender's bare JID,
//!   headers `type`, `from`, `id`, body = the whole stanza.
//! - Initial presence is sent after each login (so messages to the bare JID arrive); IQ
//!   requests addressed to the client are answered `service-unavailable`.

mod config;
mod connector;
mod xmpp;

pub use config::{
    DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MIN_MS, DEFAULT_MAX_IN_FLIGHT, XmppConfig, parse_jid,
};
pub use connector::StartTls;
pub use xmpp::Xmpp;
