// Evaluated before every codec, once per instance. Written for Passerelle (no third-party
// code): a deterministic Date and Math.random, and the Buffer that ChirpStack gives codecs.
(function () {
  "use strict";
  const RealDate = Date;
  let now = 0;
  // `new Date()` and `Date.now()` give the frame's receive time; any other use is the real Date.
  function PasserelleDate(...args) {
    if (!new.target) return new RealDate(now).toString();
    return args.length === 0 ? new RealDate(now) : new RealDate(...args);
  }
  PasserelleDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(PasserelleDate, RealDate);
  PasserelleDate.now = () => now;
  Object.defineProperty(RealDate.prototype, "constructor", { value: PasserelleDate });
  globalThis.Date = PasserelleDate;

  // xorshift128+ from a fixed seed, reset before every frame: the same frame draws the same
  // numbers on every machine.
  let s0 = 0, s1 = 0;
  const M = 0x100000000;
  function mix() {
    // 32-bit xorshift on two words; enough for a codec's rare use, and reproducible.
    let t = s0 ^ (s0 << 11);
    s0 = s1;
    s1 = (s1 ^ (s1 >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return s1;
  }
  Math.random = function () {
    const hi = mix() >>> 5, lo = mix() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  };

  globalThis.__passerelleFrame = function (ms) {
    now = ms;
    s0 = 0x9e3779b9 >>> 0;
    s1 = 0x243f6a88 >>> 0;
  };

  const HEX = "0123456789abcdef";
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  function fromHex(s) {
    const out = [];
    for (let i = 0; i + 1 < s.length; i += 2) {
      const b = parseInt(s.substr(i, 2), 16);
      if (Number.isNaN(b)) break;
      out.push(b);
    }
    return out;
  }
  function fromBase64(s) {
    s = s.replace(/[^A-Za-z0-9+/\-_]/g, "").replace(/-/g, "+").replace(/_/g, "/");
    const out = [];
    let acc = 0, bits = 0;
    for (let i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push((acc >> bits) & 0xff);
      }
    }
    return out;
  }
  function fromUtf8(s) {
    return Array.from(unescape(encodeURIComponent(s)), (c) => c.charCodeAt(0));
  }

  class Buffer extends Uint8Array {
    static from(value, encoding) {
      if (typeof value === "string") {
        const enc = (encoding || "utf8").toLowerCase();
        if (enc === "hex") return new Buffer(fromHex(value));
        if (enc === "base64") return new Buffer(fromBase64(value));
        return new Buffer(fromUtf8(value));
      }
      if (value instanceof ArrayBuffer) return new Buffer(new Uint8Array(value));
      return new Buffer(Array.from(value, (x) => x & 0xff));
    }
    static alloc(size, fill) {
      const b = new Buffer(size);
      if (fill !== undefined) b.fill(fill);
      return b;
    }
    static isBuffer(b) {
      return b instanceof Buffer;
    }
    static concat(list) {
      const all = [];
      for (const b of list) for (const x of b) all.push(x);
      return new Buffer(all);
    }
    check(offset, size) {
      if (offset === undefined) offset = 0;
      if (offset < 0 || offset + size > this.length) {
        throw new RangeError("Attempt to access memory outside buffer bounds");
      }
      return offset;
    }
    view() {
      return new DataView(this.buffer, this.byteOffset, this.byteLength);
    }
    readUInt8(o) { return this.view().getUint8(this.check(o, 1)); }
    readInt8(o) { return this.view().getInt8(this.check(o, 1)); }
    readUInt16LE(o) { return this.view().getUint16(this.check(o, 2), true); }
    readUInt16BE(o) { return this.view().getUint16(this.check(o, 2), false); }
    readInt16LE(o) { return this.view().getInt16(this.check(o, 2), true); }
    readInt16BE(o) { return this.view().getInt16(this.check(o, 2), false); }
    readUInt32LE(o) { return this.view().getUint32(this.check(o, 4), true); }
    readUInt32BE(o) { return this.view().getUint32(this.check(o, 4), false); }
    readInt32LE(o) { return this.view().getInt32(this.check(o, 4), true); }
    readInt32BE(o) { return this.view().getInt32(this.check(o, 4), false); }
    readFloatLE(o) { return this.view().getFloat32(this.check(o, 4), true); }
    readFloatBE(o) { return this.view().getFloat32(this.check(o, 4), false); }
    readDoubleLE(o) { return this.view().getFloat64(this.check(o, 8), true); }
    readDoubleBE(o) { return this.view().getFloat64(this.check(o, 8), false); }
    slice(start, end) {
      return new Buffer(Array.from(Uint8Array.prototype.slice.call(this, start, end)));
    }
    subarray(start, end) {
      return this.slice(start, end);
    }
    toString(encoding, start, end) {
      const bytes = Array.from(Uint8Array.prototype.slice.call(this, start || 0, end === undefined ? this.length : end));
      const enc = (encoding || "utf8").toLowerCase();
      if (enc === "hex") return bytes.map((b) => HEX[b >> 4] + HEX[b & 15]).join("");
      if (enc === "base64") {
        let out = "";
        for (let i = 0; i < bytes.length; i += 3) {
          const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
          out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
          out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
          out += i + 2 < bytes.length ? B64[n & 63] : "=";
        }
        return out;
      }
      const latin = String.fromCharCode.apply(null, bytes);
      if (enc === "ascii" || enc === "latin1" || enc === "binary") return latin;
      try {
        return decodeURIComponent(escape(latin));
      } catch (e) {
        return latin;
      }
    }
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
  }
  // Uint8Array methods that build a new array (map, filter) give a Buffer too.
  Object.defineProperty(Buffer, Symbol.species, { get: () => Buffer });
  globalThis.Buffer = Buffer;
})();

// The host's entry into the codec: one frame, the result as JSON text (null object fields
// dropped; undefined when the codec returned nothing).
(function () {
  const RealDate = Object.getPrototypeOf(Date);
  const drop = (k, v) => (k !== "" && v === null ? undefined : v);
  globalThis.__passerelleCall = function (entry, bytes, port, ms) {
    globalThis.__passerelleFrame(ms);
    let out;
    if (entry === 0) {
      out = globalThis.decodeUplink({ bytes: bytes, fPort: port, recvTime: new RealDate(ms) });
    } else {
      const data = globalThis.Decoder(bytes, port);
      out = data === undefined ? undefined : { data: data };
    }
    return out === undefined || out === null ? undefined : JSON.stringify(out, drop);
  };
})();
