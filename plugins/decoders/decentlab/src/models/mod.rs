//! One sensor table per model (see [`crate::protocol`] for the shared frame reader).

pub mod atm22;
pub mod blg;
pub mod dlr2_002;
pub mod dlr2_003;
pub mod dlr2_004;
pub mod dlr2_005;
pub mod dlr2_006;
pub mod dlr2_008;
pub mod dlr2_009;
pub mod dlr2_010;
pub mod dlr2_011;
pub mod ds18;
pub mod iam;
pub mod itst;
pub mod lid;
pub mod lp8p;
pub mod mbx;
pub mod pm;
pub mod pr26;
pub mod rhc;
pub mod sht35;
pub mod tp;
pub mod trs12;
pub mod wrm;

use crate::protocol::Sensor;

/// Every model of this plugin: its ids (TTN device id first, then the codec names that fix a
/// sensor parameter) and its sensor table.
pub const ALL: &[(&[&str], &[Sensor])] = &[
    (iam::MODELS, iam::SENSORS),
    (lp8p::MODELS, lp8p::SENSORS),
    (sht35::MODELS, sht35::SENSORS),
    (pm::MODELS, pm::SENSORS),
    (trs12::MODELS, trs12::SENSORS),
    (atm22::MODELS, atm22::SENSORS),
    (pr26::MODELS, pr26::SENSORS),
    (dlr2_002::MODELS, dlr2_002::SENSORS),
    (dlr2_003::MODELS, dlr2_003::SENSORS),
    (dlr2_004::MODELS, dlr2_004::SENSORS),
    (dlr2_005::MODELS, dlr2_005::SENSORS),
    (dlr2_006::MODELS, dlr2_006::SENSORS),
    (dlr2_008::MODELS, dlr2_008::SENSORS),
    (dlr2_009::MODELS, dlr2_009::SENSORS),
    (dlr2_010::MODELS, dlr2_010::SENSORS),
    (dlr2_011::MODELS, dlr2_011::SENSORS),
    (ds18::MODELS, ds18::SENSORS),
    (tp::MODELS, tp::SENSORS),
    (wrm::MODELS, wrm::SENSORS),
    (itst::MODELS, itst::SENSORS),
    (blg::MODELS, blg::SENSORS),
    (mbx::MODELS, mbx::SENSORS),
    (lid::MODELS, lid::SENSORS),
    (rhc::MODELS, rhc::SENSORS),
];

/// The sensor table of a model id (lower case), `None` for a model this plugin does not know.
pub fn table(id: &str) -> Option<&'static [Sensor]> {
    ALL.iter().find(|(ids, _)| ids.contains(&id)).map(|(_, sensors)| *sensors)
}
