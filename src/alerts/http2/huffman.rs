//! HPACK's Huffman code (RFC 7541, Appendix B), for reading header values a
//! push service compresses. The code is canonical (codes of one length are
//! consecutive, in symbol order), so the code lengths alone define it: the
//! decoder works from them without a table of codes.

/// Code length in bits of each symbol: bytes 0–255, then EOS (256).
const LENGTHS: [u8; 257] = [
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, //
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, //
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, //
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, //
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, //
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, //
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, //
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, //
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, //
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, //
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, //
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, //
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, //
    30,
];

const EOS: u16 = 256;
const LONGEST: usize = 30;

/// The canonical code laid out for decoding: for each length, the first
/// code of that length (left-aligned in 32 bits), how many codes have it,
/// and where its symbols start in `symbols`.
struct Code {
    first: [u32; LONGEST + 2],
    count: [u16; LONGEST + 2],
    offset: [u16; LONGEST + 2],
    symbols: [u16; 257],
}

const fn build() -> Code {
    let mut count = [0u16; LONGEST + 2];
    let mut i = 0;
    while i < 257 {
        count[LENGTHS[i] as usize] += 1;
        i += 1;
    }
    let mut offset = [0u16; LONGEST + 2];
    let mut first = [0u32; LONGEST + 2];
    let mut code: u64 = 0;
    let mut len = 1;
    let mut at = 0u16;
    while len <= LONGEST {
        offset[len] = at;
        first[len] = (code << (32 - len)) as u32;
        code = (code + count[len] as u64) << 1;
        at += count[len];
        len += 1;
    }
    // Symbols sorted by (length, value): the order the canonical code assigns.
    let mut symbols = [0u16; 257];
    let mut next = offset;
    let mut s = 0;
    while s < 257 {
        let l = LENGTHS[s] as usize;
        symbols[next[l] as usize] = s as u16;
        next[l] += 1;
        s += 1;
    }
    Code {
        first,
        count,
        offset,
        symbols,
    }
}

static CODE: Code = build();

#[derive(Debug, PartialEq, Eq)]
pub struct BadHuffman;

/// Decodes a Huffman-coded string, appending its bytes to `out`.
pub fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), BadHuffman> {
    // Bits waiting to be read, left-aligned in `bits`.
    let mut bits: u64 = 0;
    let mut held = 0usize;
    let mut bytes = input.iter();
    loop {
        while held <= 56 {
            match bytes.next() {
                Some(&b) => {
                    bits |= u64::from(b) << (56 - held);
                    held += 8;
                }
                None => break,
            }
        }
        if held == 0 {
            return Ok(());
        }
        let peek = (bits >> 32) as u32;
        let mut len = 5;
        let symbol = loop {
            if len > LONGEST {
                return Err(BadHuffman);
            }
            let count = u32::from(CODE.count[len]);
            let first = CODE.first[len];
            let index = (peek - first.min(peek)) >> (32 - len);
            if peek >= first && index < count {
                break CODE.symbols[(u32::from(CODE.offset[len]) + index) as usize];
            }
            len += 1;
        };
        if len > held {
            // What is left is padding: fewer than 8 bits, all ones (EOS's prefix).
            let padding = held;
            let ones = if padding == 0 { 0 } else { u64::MAX << (64 - padding) };
            return if padding < 8 && bits & ones == ones {
                Ok(())
            } else {
                Err(BadHuffman)
            };
        }
        if symbol == EOS {
            return Err(BadHuffman);
        }
        out.push(symbol as u8);
        bits <<= len;
        held -= len;
    }
}

#[cfg(test)]
pub fn encode(input: &[u8]) -> Vec<u8> {
    let mut codes = [0u32; 257];
    for (i, &symbol) in CODE.symbols.iter().enumerate() {
        let len = LENGTHS[symbol as usize] as usize;
        let rank = i as u32 - u32::from(CODE.offset[len]);
        codes[symbol as usize] = (CODE.first[len] >> (32 - len)) + rank;
    }
    let (mut out, mut acc, mut held) = (Vec::new(), 0u64, 0u32);
    for &b in input {
        let len = u32::from(LENGTHS[b as usize]);
        acc = (acc << len) | u64::from(codes[b as usize]);
        held += len;
        while held >= 8 {
            held -= 8;
            out.push((acc >> held) as u8);
        }
    }
    if held > 0 {
        out.push(((acc << (8 - held)) | (0xff >> held)) as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::http2::hex;

    fn decoded(input: &[u8]) -> Result<Vec<u8>, BadHuffman> {
        let mut out = Vec::new();
        decode(input, &mut out).map(|()| out)
    }

    /// RFC 7541, Appendix C.4 and C.6: strings as the examples code them.
    #[test]
    fn the_rfc_examples_decode() {
        for (coded, text) in [
            ("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"),
            ("a8eb 1064 9cbf", "no-cache"),
            ("25a8 49e9 5ba9 7d7f", "custom-key"),
            ("25a8 49e9 5bb8 e8b4 bf", "custom-value"),
            ("6402", "302"),
            ("aec3 771a 4b", "private"),
        ] {
            assert_eq!(decoded(&hex(coded)).unwrap(), text.as_bytes(), "{text}");
        }
    }

    #[test]
    fn every_byte_survives_a_round_trip() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        assert_eq!(decoded(&encode(&all)).unwrap(), all);
        assert_eq!(decoded(&encode(b"")).unwrap(), b"");
        for len in 0..40 {
            let text: Vec<u8> = (0..len).map(|i| b"az09-_.~ZQ"[i % 10]).collect();
            assert_eq!(decoded(&encode(&text)).unwrap(), text);
        }
    }

    #[test]
    fn bad_padding_and_an_eos_are_refused() {
        // "0" is 00000 (5 bits): padding of zeros is not EOS's prefix.
        assert_eq!(decoded(&[0b0000_0000]), Err(BadHuffman));
        // A whole byte of padding is too much.
        let mut long = encode(b"a");
        long.push(0xff);
        assert_eq!(decoded(&long), Err(BadHuffman));
        // EOS itself (30 ones) inside a string.
        assert_eq!(decoded(&[0xff, 0xff, 0xff, 0xfc]), Err(BadHuffman));
    }
}
