//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the frames the vendor format refuses.

use nexelec::{DecodeError, bits, decode_payload};
use passerelle_pdk::FixedBytes;

passerelle_pdk_host::decoder_tests!(
    nexelec::Plugin,
    vendor: "nexelec",
    unsupported_model: (1, &[0xad, 0x01, 0x82, 0xdc, 0x70, 0xcb, 0x00, 0x78, 0x16, 0x8a, 0x9f, 0xa3, 0x4a, 0x80]),
);

#[test]
fn bit_fields_cross_byte_boundaries_most_significant_first() {
    let b = FixedBytes::new(&[0b1010_1100, 0b0101_0011]);
    assert!(matches!(bits(&b, 0, 4), Ok(0b1010)));
    assert!(matches!(bits(&b, 6, 4), Ok(0b0001)));
    assert!(matches!(bits(&b, 4, 12), Ok(0b1100_0101_0011)));
    assert!(matches!(bits(&b, 0, 0), Ok(0)));
    assert!(matches!(bits(&b, 10, 7), Err(DecodeError::TooShort(3))));
}

#[test]
fn messages_the_vendor_decoders_do_not_know_are_invalid() {
    for (model, frame) in [
        ("sign", &[0xad, 0x00][..]),
        ("rise", &[0xaa, 0x08]),
        ("origin", &[0xb2, 0xff]),
        ("carbon", &[0x71]),
        ("carbon", &[0x70]),
        ("flow-pro", &[0xd2, 0x00]),
        ("flow-pro", &[0xd2, 0x12]),
        ("flow-pro", &[0xd2, 0x42]),
    ] {
        let got = decode_payload(model, 1, frame);
        assert!(matches!(got, Err(DecodeError::InvalidField(_))), "{model} {frame:02x?}: {got:?}");
    }
}

#[test]
fn every_message_needs_its_whole_length() {
    // (model, first two bytes, length of the message in bytes)
    for (model, head, len) in [
        ("sign", [0xad, 0x01], 14),
        ("sign", [0xad, 0x05], 13),
        ("sign", [0xad, 0x06], 17),
        ("guard-plus", [0xb3, 0x00], 7),
        ("guard-plus", [0xb3, 0x01], 9),
        ("guard-plus", [0xb3, 0x02], 7),
        ("guard-plus", [0xb3, 0x03], 9),
        ("guard-plus", [0xb3, 0x04], 5),
        ("carbon", [0x72, 0x00], 7),
        ("carbon", [0x79, 0x00], 11),
        ("flow-core", [0xd2, 0x10], 9),
        ("flow-core", [0xd2, 0x20], 14),
        ("flow-core", [0xd2, 0x40], 22),
        ("flow-core", [0xd2, 0x41], 23),
        ("flow-core", [0xd2, 0x60], 15),
    ] {
        let mut frame = vec![0u8; len];
        frame[..2].copy_from_slice(&head);
        assert!(decode_payload(model, 1, &frame).is_ok(), "{model} {head:02x?} with {len} bytes");
        let got = decode_payload(model, 1, &frame[..len - 1]);
        assert!(matches!(got, Err(DecodeError::TooShort(_))), "{model} {head:02x?} cut: {got:?}");
    }
}

#[test]
fn the_fport_does_not_matter() {
    let frame = [0xb1, 0x04, 0x84, 0xd8, 0x40];
    let on_1 = decode_payload("origin-plus", 1, &frame);
    for port in [0, 2, 99, 223] {
        assert_eq!(format!("{:?}", decode_payload("origin-plus", port, &frame)), format!("{on_1:?}"));
    }
}
