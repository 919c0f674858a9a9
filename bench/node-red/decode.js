// Function node "decode" of flow.json (kept here readable; scripts/bench-push checks that
// flow.json carries this exact text). Parses an Energisme envelope (one object, or an array)
// as `cargo xtask load` sends it, decodes the Milesight EM300-TH channels of its hex payload
// (channel id byte, channel type byte, then the value: 01 75 battery u8 %, 03 67 temperature
// i16 LE / 10 Cel, 04 68 humidity u8 / 2 %RH) and builds one INSERT of every reading for the
// sqlite node, its values bound as parameters. Output 1: to the database; output 2: an answer now
// (401 wrong token, 400 bad request).
const token = env.get("ENERGISME_TOKEN");
if (msg.req.headers["authorization"] !== "Basic " + token) {
    msg.statusCode = 401;
    msg.payload = { error: "missing or wrong Authorization: Basic token" };
    return [null, msg];
}
const envelopes = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
const rows = [];
try {
    for (const e of envelopes) {
        if (!e || typeof e.payload !== "string" || typeof e.deviceid !== "string") {
            throw new Error("not an Energisme envelope");
        }
        if (e.devicetype !== "em300-th") {
            throw new Error("unknown devicetype " + e.devicetype);
        }
        const time = Date.parse(e.timestamp);
        if (!Number.isFinite(time)) {
            throw new Error("bad timestamp");
        }
        const b = Buffer.from(e.payload, "hex");
        if (b.length * 2 !== e.payload.length) {
            throw new Error("payload is not hex");
        }
        let i = 0;
        while (i < b.length) {
            if (i + 2 > b.length) {
                throw new Error("channel header cut at byte " + i);
            }
            const channel = b[i], type = b[i + 1];
            i += 2;
            // Buffer reads past the end throw RangeError: a cut frame is refused.
            if (channel === 0x01 && type === 0x75) {
                rows.push([e.deviceid, "battery", time, b.readUInt8(i), "%"]);
                i += 1;
            } else if (channel === 0x03 && type === 0x67) {
                rows.push([e.deviceid, "temperature", time, b.readInt16LE(i) / 10, "Cel"]);
                i += 2;
            } else if (channel === 0x04 && type === 0x68) {
                rows.push([e.deviceid, "humidity", time, b.readUInt8(i) / 2, "%RH"]);
                i += 1;
            } else {
                throw new Error("unknown channel " + channel + " " + type);
            }
        }
    }
} catch (err) {
    msg.statusCode = 400;
    msg.payload = { error: String(err.message || err) };
    return [null, msg];
}
if (rows.length === 0) {
    msg.statusCode = 200;
    msg.payload = { stored: 0 };
    return [null, msg];
}
// The sqlite node binds msg.payload (an array) when it has one element per `$` of msg.topic.
msg.topic = "INSERT OR IGNORE INTO readings (device, name, time_ms, value, unit) VALUES " +
    rows.map((_, k) => `($d${k}, $n${k}, $t${k}, $v${k}, $u${k})`).join(", ");
msg.payload = rows.flat();
msg.stored = rows.length;
return [msg, null];
