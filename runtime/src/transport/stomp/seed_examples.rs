//! The ten JSON examples of the Hemis real-time API (seed 000, "Format des messages"), copied
//! verbatim (tabs and trailing spaces included) into `vectors/hemis/`. They cover eight of the ten message types: the seed has
//! no example of `ACTUATOR_CURRENT_STATE` or `FACTOR_TARGET_STATE`, and three of
//! `ENTITY_MANAGEMENT`.

/// One seed example: its message type, the topic it comes on (`jms.topic.{buildingId}.<topic>`)
/// and its JSON text.
pub(super) const EXAMPLES: [(&str, &str, &str); 10] = [
    ("ACTUATOR_TARGET_STATE", "data", include_str!("../../../../vectors/hemis/actuator_target_state-1.json")),
    (
        "ACTUATOR_HARDWARE_STATE",
        "data",
        include_str!("../../../../vectors/hemis/actuator_hardware_state-1.json"),
    ),
    ("IT_STATE", "data", include_str!("../../../../vectors/hemis/it_state-1.json")),
    ("SENSOR_STATE", "data", include_str!("../../../../vectors/hemis/sensor_state-1.json")),
    ("FACTOR_CURRENT_STATE", "data", include_str!("../../../../vectors/hemis/factor_current_state-1.json")),
    ("OBJECTIVE_STATE", "data", include_str!("../../../../vectors/hemis/objective_state-1.json")),
    ("ENTITY_MANAGEMENT", "management", include_str!("../../../../vectors/hemis/entity_management-1.json")),
    ("ENTITY_MANAGEMENT", "management", include_str!("../../../../vectors/hemis/entity_management-2.json")),
    ("ENTITY_MANAGEMENT", "management", include_str!("../../../../vectors/hemis/entity_management-3.json")),
    ("DATA_PROVIDER", "data", include_str!("../../../../vectors/hemis/data_provider-1.json")),
];
