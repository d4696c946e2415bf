//! Header compression for HTTP/2 (HPACK, RFC 7541), both directions.
//!
//! The encoder is a push sender's: it never Huffman-codes (a push request's
//! one new string, its path, is not worth the CPU), it keeps in the dynamic
//! table the headers every request of an alert repeats (the VAPID
//! authorization above all), so that from the second request on each of
//! them costs one byte, and sends the rest literally. The decoder reads
//! everything RFC 7541 allows.

use std::collections::VecDeque;

use super::huffman;

/// RFC 7541, Appendix A: the static table, numbered from 1.
pub const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// Static-table numbers the encoder and the sink refer to.
pub mod index {
    pub const AUTHORITY: usize = 1;
    pub const METHOD_POST: usize = 3;
    pub const PATH: usize = 4;
    pub const SCHEME_HTTP: usize = 6;
    pub const SCHEME_HTTPS: usize = 7;
    pub const STATUS: usize = 8;
    pub const AUTHORIZATION: usize = 23;
    pub const CONTENT_ENCODING: usize = 26;
    pub const CONTENT_LENGTH: usize = 28;
    pub const CONTENT_TYPE: usize = 31;
    pub const RETRY_AFTER: usize = 53;
    pub const USER_AGENT: usize = 58;
}

/// The size every table entry counts beyond its bytes (RFC 7541 §4.1).
const ENTRY_OVERHEAD: usize = 32;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HpackError {
    #[error("a header block ends in the middle of a field")]
    Truncated,
    #[error("a header refers to table entry {0}, which does not exist")]
    NoSuchEntry(usize),
    #[error("an integer in a header block is too large")]
    Overflow,
    #[error("a header string is not valid Huffman code")]
    Huffman,
    #[error("a table size update is larger than the size we allow or comes after a field")]
    BadSizeUpdate,
}

/// A header field in the dynamic table: name and value.
type Entry = (Box<[u8]>, Box<[u8]>);

/// The dynamic table (RFC 7541 §2.3.2): newest entry first.
#[derive(Debug)]
struct Table {
    entries: VecDeque<Entry>,
    size: usize,
    max: usize,
}

impl Table {
    fn new(max: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            size: 0,
            max,
        }
    }

    fn evict_to(&mut self, max: usize) {
        while self.size > max {
            let Some((name, value)) = self.entries.pop_back() else {
                break;
            };
            self.size -= name.len() + value.len() + ENTRY_OVERHEAD;
        }
    }

    fn resize(&mut self, max: usize) {
        self.max = max;
        self.evict_to(max);
    }

    /// Adds an entry, evicting the oldest to make room; one larger than the
    /// whole table empties it and is not kept (§4.4).
    fn insert(&mut self, name: &[u8], value: &[u8]) {
        let size = name.len() + value.len() + ENTRY_OVERHEAD;
        if size > self.max {
            self.evict_to(0);
            return;
        }
        self.evict_to(self.max - size);
        self.entries.push_front((name.into(), value.into()));
        self.size += size;
    }

    /// The entry a field's index names: 1–61 static, 62 on the dynamic table.
    fn get(&self, index: usize) -> Result<(&[u8], &[u8]), HpackError> {
        match index {
            0 => Err(HpackError::NoSuchEntry(0)),
            1..=61 => {
                let (name, value) = STATIC[index - 1];
                Ok((name.as_bytes(), value.as_bytes()))
            }
            _ => self
                .entries
                .get(index - 62)
                .map(|(n, v)| (&n[..], &v[..]))
                .ok_or(HpackError::NoSuchEntry(index)),
        }
    }

    fn find(&self, name: &[u8], value: &[u8]) -> Option<usize> {
        self.entries
            .iter()
            .position(|(n, v)| &n[..] == name && &v[..] == value)
            .map(|at| at + 62)
    }
}

/// Writes an integer with an N-bit prefix (§5.1); `first` holds the bits above it.
pub fn write_int(out: &mut Vec<u8>, first: u8, prefix_bits: u32, mut value: usize) {
    let max = (1usize << prefix_bits) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

fn read_int(input: &[u8], at: &mut usize, prefix_bits: u32) -> Result<usize, HpackError> {
    let max = (1usize << prefix_bits) - 1;
    let first = *input.get(*at).ok_or(HpackError::Truncated)? as usize & max;
    *at += 1;
    if first < max {
        return Ok(first);
    }
    let mut value = max;
    let mut shift = 0u32;
    loop {
        let byte = *input.get(*at).ok_or(HpackError::Truncated)?;
        *at += 1;
        if shift > 28 {
            return Err(HpackError::Overflow);
        }
        value += ((byte & 0x7f) as usize) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
}

/// A string literal without Huffman coding (§5.2).
pub fn write_str(out: &mut Vec<u8>, text: &[u8]) {
    write_int(out, 0, 7, text.len());
    out.extend_from_slice(text);
}

/// Reads a string literal; a Huffman-coded one is decoded into `scratch`.
fn read_str<'a>(input: &'a [u8], at: &mut usize, scratch: &'a mut Vec<u8>) -> Result<&'a [u8], HpackError> {
    let huffman = *input.get(*at).ok_or(HpackError::Truncated)? & 0x80 != 0;
    let len = read_int(input, at, 7)?;
    let raw = input.get(*at..*at + len).ok_or(HpackError::Truncated)?;
    *at += len;
    if !huffman {
        return Ok(raw);
    }
    scratch.clear();
    huffman::decode(raw, scratch).map_err(|_| HpackError::Huffman)?;
    Ok(scratch)
}

/// Reads header blocks, keeping the dynamic table the peer's encoder writes to.
#[derive(Debug)]
pub struct Decoder {
    table: Table,
    /// The largest table the peer may ask for (our SETTINGS_HEADER_TABLE_SIZE).
    limit: usize,
}

impl Decoder {
    pub fn new(limit: usize) -> Self {
        Self {
            table: Table::new(limit),
            limit,
        }
    }

    /// Decodes one whole header block, handing each field to `field`.
    pub fn decode(&mut self, block: &[u8], mut field: impl FnMut(&[u8], &[u8])) -> Result<(), HpackError> {
        let mut at = 0;
        let mut fields = 0;
        let (mut name_buf, mut value_buf) = (Vec::new(), Vec::new());
        while at < block.len() {
            let byte = block[at];
            if byte & 0x80 != 0 {
                let index = read_int(block, &mut at, 7)?;
                let (name, value) = self.table.get(index)?;
                field(name, value);
            } else if byte & 0xe0 == 0x20 {
                let size = read_int(block, &mut at, 5)?;
                if size > self.limit || fields > 0 {
                    return Err(HpackError::BadSizeUpdate);
                }
                self.table.resize(size);
                continue;
            } else {
                // 01: keep in the table; 0000 and 0001: do not.
                let (prefix, keep) = if byte & 0xc0 == 0x40 { (6, true) } else { (4, false) };
                let index = read_int(block, &mut at, prefix)?;
                let name: &[u8] = if index == 0 {
                    read_str(block, &mut at, &mut name_buf)?
                } else {
                    name_buf.clear();
                    name_buf.extend_from_slice(self.table.get(index)?.0);
                    &name_buf
                };
                let name = name.to_vec();
                let value = read_str(block, &mut at, &mut value_buf)?;
                field(&name, value);
                if keep {
                    self.table.insert(&name, value);
                }
            }
            fields += 1;
        }
        Ok(())
    }
}

/// Writes header blocks, remembering what it put in the peer's dynamic table.
#[derive(Debug)]
pub struct Encoder {
    table: Table,
    /// A smaller table size the peer asked for, to announce in the next block.
    resized: Option<usize>,
}

impl Default for Encoder {
    fn default() -> Self {
        // 4,096 bytes: every decoder's table until its SETTINGS say otherwise.
        Self {
            table: Table::new(4096),
            resized: None,
        }
    }
}

impl Encoder {
    /// The peer's SETTINGS_HEADER_TABLE_SIZE: we use at most that much (and never more than 4,096).
    pub fn set_limit(&mut self, limit: usize) {
        let size = limit.min(4096);
        if size != self.table.max {
            self.table.resize(size);
            self.resized = Some(self.resized.map_or(size, |s| s.min(size)));
        }
    }

    /// Starts a header block (announcing a table size change first if one is due).
    pub fn begin(&mut self, out: &mut Vec<u8>) {
        if let Some(size) = self.resized.take() {
            if size != self.table.max {
                write_int(out, 0x20, 5, size);
            }
            write_int(out, 0x20, 5, self.table.max);
        }
    }

    /// A field that is wholly in the static table.
    pub fn indexed(&mut self, out: &mut Vec<u8>, index: usize) {
        write_int(out, 0x80, 7, index);
    }

    /// A field repeated across requests: one byte once it is in the table.
    pub fn repeated(&mut self, out: &mut Vec<u8>, name: Name<'_>, value: &[u8]) {
        let name_bytes = match name {
            Name::Static(i) => STATIC[i - 1].0.as_bytes(),
            Name::Text(text) => text.as_bytes(),
        };
        if let Some(index) = self.table.find(name_bytes, value) {
            write_int(out, 0x80, 7, index);
            return;
        }
        // 01: a literal the decoder keeps in its table (§6.2.1).
        literal(out, 0x40, 6, name, value);
        self.table.insert(name_bytes, value);
    }

    /// A field that changes every time (a push endpoint's path): literal, not kept.
    pub fn once(&mut self, out: &mut Vec<u8>, name: Name<'_>, value: &[u8]) {
        // 0000: a literal the decoder does not keep (§6.2.2).
        literal(out, 0x00, 4, name, value);
    }
}

/// A literal field: its kind's bits, the name (indexed or as text), the value.
fn literal(out: &mut Vec<u8>, first: u8, prefix_bits: u32, name: Name<'_>, value: &[u8]) {
    match name {
        Name::Static(i) => write_int(out, first, prefix_bits, i),
        Name::Text(text) => {
            out.push(first);
            write_str(out, text.as_bytes());
        }
    }
    write_str(out, value);
}

/// A field's name: a static-table number, or lower-case text.
#[derive(Clone, Copy, Debug)]
pub enum Name<'a> {
    Static(usize),
    Text(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::http2::hex;

    fn fields(decoder: &mut Decoder, block: &[u8]) -> Result<Vec<(String, String)>, HpackError> {
        let mut out = Vec::new();
        decoder.decode(block, |n, v| {
            out.push((
                String::from_utf8_lossy(n).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            ))
        })?;
        Ok(out)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    /// RFC 7541, Appendix C.4: three requests with Huffman coding, one decoder.
    #[test]
    fn the_rfc_request_examples_decode_with_their_table() {
        let mut decoder = Decoder::new(4096);
        let first = fields(&mut decoder, &hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")).unwrap();
        assert_eq!(
            first,
            pairs(&[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":authority", "www.example.com")
            ])
        );
        let second = fields(&mut decoder, &hex("8286 84be 5886 a8eb 1064 9cbf")).unwrap();
        assert_eq!(second[3], (":authority".into(), "www.example.com".into()));
        assert_eq!(second[4], ("cache-control".into(), "no-cache".into()));
        let third = fields(
            &mut decoder,
            &hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"),
        )
        .unwrap();
        assert_eq!(
            third,
            pairs(&[
                (":method", "GET"),
                (":scheme", "https"),
                (":path", "/index.html"),
                (":authority", "www.example.com"),
                ("custom-key", "custom-value")
            ])
        );
        assert_eq!(decoder.table.size, 164, "the table size the RFC shows after C.4.3");
    }

    /// RFC 7541, Appendix C.5: responses with a 256-byte table, so entries are evicted.
    #[test]
    fn the_rfc_response_examples_evict_as_the_rfc_shows() {
        let mut decoder = Decoder::new(256);
        decoder.table.resize(256);
        let first = hex(
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 \
             2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 \
             6c65 2e63 6f6d",
        );
        let got = fields(&mut decoder, &first).unwrap();
        assert_eq!(got[0], (":status".into(), "302".into()));
        assert_eq!(got[3], ("location".into(), "https://www.example.com".into()));
        assert_eq!(decoder.table.size, 222);
        let second = fields(&mut decoder, &hex("4803 3330 37c1 c0bf")).unwrap();
        assert_eq!(second[0], (":status".into(), "307".into()));
        assert_eq!(second[3], ("location".into(), "https://www.example.com".into()));
        assert_eq!(decoder.table.size, 222, "302 was evicted to make room for 307");
    }

    #[test]
    fn what_the_encoder_writes_the_decoder_reads_and_repeats_cost_a_byte() {
        let mut encoder = Encoder::default();
        let mut decoder = Decoder::new(4096);
        let token = "vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.e30.sig, k=BExample";
        let mut sizes = Vec::new();
        for path in ["/push/one", "/push/two"] {
            let mut block = Vec::new();
            encoder.begin(&mut block);
            encoder.indexed(&mut block, index::METHOD_POST);
            encoder.repeated(&mut block, Name::Static(index::AUTHORITY), b"push.example:443");
            encoder.once(&mut block, Name::Static(index::PATH), path.as_bytes());
            encoder.repeated(&mut block, Name::Text("ttl"), b"3600");
            encoder.repeated(&mut block, Name::Static(index::AUTHORIZATION), token.as_bytes());
            sizes.push(block.len());
            let got = fields(&mut decoder, &block).unwrap();
            assert_eq!(
                got,
                pairs(&[
                    (":method", "POST"),
                    (":authority", "push.example:443"),
                    (":path", path),
                    ("ttl", "3600"),
                    ("authorization", token)
                ])
            );
        }
        assert!(sizes[1] < 20, "the second request refers to the table: {sizes:?}");
    }

    #[test]
    fn a_peer_that_shrinks_the_table_is_told_and_obeyed() {
        let mut encoder = Encoder::default();
        let mut decoder = Decoder::new(4096);
        let mut block = Vec::new();
        encoder.begin(&mut block);
        encoder.repeated(&mut block, Name::Text("ttl"), b"60");
        fields(&mut decoder, &block).unwrap();
        encoder.set_limit(0);
        let mut block = Vec::new();
        encoder.begin(&mut block);
        encoder.repeated(&mut block, Name::Text("ttl"), b"60");
        assert_eq!(block[0], 0x20, "a size update to zero comes first");
        assert_eq!(fields(&mut decoder, &block).unwrap(), pairs(&[("ttl", "60")]));
        assert_eq!(decoder.table.size, 0);
    }

    #[test]
    fn broken_blocks_are_refused_not_misread() {
        let mut decoder = Decoder::new(4096);
        assert_eq!(fields(&mut decoder, &[0xbe]), Err(HpackError::NoSuchEntry(62)));
        assert_eq!(fields(&mut decoder, &[0x80]), Err(HpackError::NoSuchEntry(0)));
        assert_eq!(fields(&mut decoder, &[0x04, 0x05, b'/']), Err(HpackError::Truncated));
        assert_eq!(
            fields(&mut decoder, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(HpackError::Truncated)
        );
        assert_eq!(
            fields(&mut decoder, &[0x3f, 0xe2, 0x1f]),
            Err(HpackError::BadSizeUpdate),
            "larger than our 4,096"
        );
        assert_eq!(
            fields(&mut decoder, &[0x82, 0x20]),
            Err(HpackError::BadSizeUpdate),
            "after a field"
        );
        let mut big = Vec::new();
        write_int(&mut big, 0x80, 7, usize::MAX >> 8);
        assert!(fields(&mut decoder, &big).is_err());
    }

    #[test]
    fn integers_use_their_prefix_then_continuation_bytes() {
        // RFC 7541, C.1: 10 and 1337 with a 5-bit prefix, 42 with 8 bits.
        for (value, prefix, bytes) in [
            (10usize, 5u32, vec![0x0a]),
            (1337, 5, vec![0x1f, 0x9a, 0x0a]),
            (42, 8, vec![0x2a]),
        ] {
            let mut out = Vec::new();
            write_int(&mut out, 0, prefix, value);
            assert_eq!(out, bytes);
            let mut at = 0;
            assert_eq!(read_int(&out, &mut at, prefix).unwrap(), value);
            assert_eq!(at, out.len());
        }
    }
}
