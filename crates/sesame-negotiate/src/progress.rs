//! What the front door's `step` returns, and what an established context says it negotiated.

use sesame_gss::{ContextFlags, KeyInfo};

use crate::FallbackReason;

/// The outcome of one step of a handshake.
///
/// ```
/// use sesame_negotiate::Progress;
/// let p = Progress::Complete(Some(vec![0xa1]));
/// assert_eq!((p.token(), p.is_complete()), (Some(&[0xa1][..]), true));
/// assert_eq!(Progress::Complete(None).token(), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Send the token to the peer and step again with its answer.
    Continue(Vec<u8>),
    /// Established; send the token, if any, to the peer.
    Complete(Option<Vec<u8>>),
}

impl Progress {
    /// The token to send, if any.
    pub fn token(&self) -> Option<&[u8]> {
        match self {
            Self::Continue(t) | Self::Complete(Some(t)) => Some(t),
            Self::Complete(None) => None,
        }
    }

    /// Whether this side is established.
    pub fn is_complete(&self) -> bool {
        matches!(self, Self::Complete(_))
    }
}

/// What an established context negotiated (SSPI's `QueryContextAttributes`, pyspnego's
/// context properties).
///
/// ```no_run
/// # let client = sesame_negotiate::Client::new("HTTP/web");
/// if let Some(n) = client.negotiated() {
///     if let Some(reason) = &n.fallback {
///         eprintln!("NTLM, because {reason}");
///     }
///     println!("{} with {:?}, key {:?}", n.mechanism, n.peer, n.key.map(|k| k.algorithm));
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// `kerberos`, `kerberos-u2u` or `ntlm`.
    pub mechanism: &'static str,
    /// Why NTLM was used instead of Kerberos, when it was (initiators).
    pub fallback: Option<FallbackReason>,
    /// The session key's algorithm (the Kerberos enctype, or NTLM's RC4).
    pub key: Option<KeyInfo>,
    /// The flags granted.
    pub flags: ContextFlags,
    /// The peer: the target on a client, the authenticated user on a server.
    pub peer: Option<String>,
}
