//! The codec shared by the types whose DER form is a primitive TLV holding bytes, which rasn
//! would otherwise validate or format in ways RFC 4120 does not want (see each type).

/// Implements rasn's `AsnType`, `Encode` and `Decode` for `$ty`, encoded as the primitive TLV
/// `$tag` whose content is what the method `self.$content()` returns (`impl AsRef<[u8]>`), decoded by
/// `$parse(Vec<u8>) -> Option<$ty>`
/// (`None` is refused with `$refusal`).
macro_rules! primitive_bytes {
    ($ty:ty, $tag:expr, $content:ident, $parse:expr, $refusal:literal) => {
        impl rasn::AsnType for $ty {
            const TAG: rasn::types::Tag = $tag;
        }

        impl rasn::Encode for $ty {
            fn encode_with_tag_and_constraints<'b, E: rasn::Encoder<'b>>(
                &self,
                encoder: &mut E,
                tag: rasn::types::Tag,
                constraints: &rasn::types::Constraints,
                identifier: rasn::types::Identifier,
            ) -> Result<(), E::Error> {
                let content = self.$content();
                encoder
                    .encode_octet_string(
                        tag,
                        constraints,
                        AsRef::<[u8]>::as_ref(&content),
                        identifier,
                    )
                    .map(drop)
            }
        }

        impl rasn::Decode for $ty {
            fn decode_with_tag_and_constraints<D: rasn::Decoder>(
                decoder: &mut D,
                tag: rasn::types::Tag,
                constraints: &rasn::types::Constraints,
            ) -> Result<Self, D::Error> {
                let bytes: Vec<u8> = decoder.decode_octet_string(tag, constraints)?;
                let codec = decoder.codec();
                let parse: &dyn Fn(Vec<u8>) -> Option<$ty> = &$parse;
                parse(bytes).ok_or_else(|| <D::Error as rasn::de::Error>::custom($refusal, codec))
            }
        }
    };
}

pub(crate) use primitive_bytes;
