//! The mechListMIC bookkeeping both sides share (RFC 4178 5, MS-SPNG 3.1.5.1): when it is
//! needed, verifying the peer's, producing ours, and telling the mechanism to reset after each.

use crate::{MechContext, SpnegoError};

/// Where the mechListMIC exchange stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MicExchange {
    /// Asked for by the rules (a non-first choice, request-mic).
    pub(crate) required: bool,
    /// Ours went out.
    pub(crate) sent: bool,
    /// The peer's came in and verified.
    pub(crate) received: bool,
}

impl MicExchange {
    /// With the mechanism established: verifies `incoming` (over the DER of the mechTypes,
    /// `types`), produces ours when needed. Returns our MIC, if one is to be sent, and whether a
    /// MIC exchange is needed at all.
    pub(crate) fn settle(
        &mut self,
        mech: &mut dyn MechContext,
        types: &[u8],
        incoming: Option<Vec<u8>>,
    ) -> Result<(Option<Vec<u8>>, bool), sesame_gss::Error> {
        if let Some(mic) = incoming {
            mech.verify_mic(types, &mic)
                .map_err(|_| SpnegoError::BadMic)?;
            mech.reset_after_mech_list_mic(false);
            self.received = true;
        }
        let needed = self.required || self.received || mech.requires_mech_list_mic();
        let mut out = None;
        if needed && !self.sent {
            out = Some(mech.get_mic(types)?);
            mech.reset_after_mech_list_mic(true);
            self.sent = true;
        }
        Ok((out, needed))
    }

    /// Whether both MICs crossed.
    pub(crate) fn both(self) -> bool {
        self.sent && self.received
    }
}
