/// Why bytes could not be decoded into a message, or a message could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a DER encoding of the expected ASN.1 type.
    #[error("not a valid DER encoding: {0}")]
    Decode(Box<rasn::error::DecodeError>),
    /// The value cannot be represented in DER.
    #[error("cannot encode: {0}")]
    Encode(Box<rasn::error::EncodeError>),
    /// The input ended before the structure it announces.
    #[error("truncated: {0}")]
    Truncated(&'static str),
    /// The bytes are well-formed DER but break a rule of the protocol (named in the message).
    #[error("malformed: {0}")]
    Malformed(&'static str),
}

impl From<rasn::error::DecodeError> for Error {
    fn from(e: rasn::error::DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

impl From<rasn::error::EncodeError> for Error {
    fn from(e: rasn::error::EncodeError) -> Self {
        Error::Encode(Box::new(e))
    }
}
