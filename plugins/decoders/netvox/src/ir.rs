//! The R211 IR blaster (`r211.js`, device type `0F`): version reports on fPort 6 (report type
//! `00`, or `80` on newer firmware) and its IR command responses on fPort 33.
//!
//! | byte 0 | command | fields |
//! |---|---|---|
//! | `08` | `AirIRApplyRsp` | `Status`, `DataIndex` u8 |
//! | `33` | `AirIRApplyWithIdxRsp` | `Status` |
//! | `4A` | `NewIRLearnRsp` | `ActualIRIndex` u16, `DataIndexNum` u8, `DataIndex` u8, `DataLen` u8, then `DataLen` bytes as upper-case hex `Data` |
//! | `0E` | `EraseIRRsp` | `Status` |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

fn status(byte: u8) -> &'static str {
    if byte == 0 { "Success" } else { "Failure" }
}

/// Reads an fPort 33 frame.
pub fn port33(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match r.u8()? {
        0x08 => {
            out.text("Cmd", "AirIRApplyRsp");
            out.text("Status", status(r.u8()?));
            out.plain("DataIndex", f64::from(r.u8()?));
        }
        0x33 => {
            out.text("Cmd", "AirIRApplyWithIdxRsp");
            out.text("Status", status(r.u8()?));
        }
        0x4a => {
            out.text("Cmd", "NewIRLearnRsp");
            out.plain("ActualIRIndex", f64::from(r.u16_be()?));
            out.plain("DataIndexNum", f64::from(r.u8()?));
            out.plain("DataIndex", f64::from(r.u8()?));
            let len = r.u8()?;
            out.plain("DataLen", f64::from(len));
            let data: String = r.take(usize::from(len))?.iter().map(|b| format!("{b:02X}")).collect();
            out.text_owned("Data", data);
        }
        0x0e => {
            out.text("Cmd", "EraseIRRsp");
            out.text("Status", status(r.u8()?));
        }
        other => return Err(DecodeError::InvalidField(format!("fPort 33: unknown command 0x{other:02x}"))),
    }
    Ok(())
}
