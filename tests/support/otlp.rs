//! A protobuf wire-format reader, enough to check OTLP requests field by field against the
//! OpenTelemetry proto definitions (opentelemetry/proto/collector/*/v1), and to encode the
//! google.rpc.Status the ingest endpoint answers errors with.

/// One field's value as the wire format carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Varint(u64),
    Fixed64([u8; 8]),
    /// A message, string or bytes: which one depends on the schema.
    Bytes(Vec<u8>),
    Fixed32([u8; 4]),
}

impl Value {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(b) => b,
            other => panic!("expected a length-delimited field, got {other:?}"),
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.bytes().to_vec()).expect("a UTF-8 string field")
    }

    /// The value as an embedded message's fields.
    pub fn message(&self) -> Vec<(u32, Value)> {
        fields(self.bytes()).expect("an embedded message")
    }
}

/// The fields of a message in order, or why the bytes are not a protobuf message.
pub fn fields(mut bytes: &[u8]) -> Result<Vec<(u32, Value)>, String> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (key, rest) = varint(bytes)?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number too big")?;
        if number == 0 {
            return Err("field number 0".into());
        }
        let (value, rest) = match key & 7 {
            0 => {
                let (v, rest) = varint(rest)?;
                (Value::Varint(v), rest)
            }
            1 => {
                let (v, rest) = take(rest, 8)?;
                (Value::Fixed64(v.try_into().unwrap()), rest)
            }
            2 => {
                let (len, rest) = varint(rest)?;
                let (v, rest) = take(rest, len as usize)?;
                (Value::Bytes(v.to_vec()), rest)
            }
            5 => {
                let (v, rest) = take(rest, 4)?;
                (Value::Fixed32(v.try_into().unwrap()), rest)
            }
            other => return Err(format!("wire type {other}")),
        };
        out.push((number, value));
        bytes = rest;
    }
    Ok(out)
}

/// The values of field `number`, in order.
pub fn all(fields: &[(u32, Value)], number: u32) -> Vec<&Value> {
    fields
        .iter()
        .filter(|(n, _)| *n == number)
        .map(|(_, v)| v)
        .collect()
}

/// google.rpc.Status { code = 1, message = 2 }.
pub fn rpc_status(code: u64, message: &str) -> Vec<u8> {
    let mut out = vec![0x08];
    out.extend(encode_varint(code));
    out.push(0x12);
    out.extend(encode_varint(message.len() as u64));
    out.extend_from_slice(message.as_bytes());
    out
}

fn encode_varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), String> {
    let mut v = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((v, &bytes[i + 1..]));
        }
    }
    Err("a varint runs past the end".into())
}

fn take(bytes: &[u8], n: usize) -> Result<(&[u8], &[u8]), String> {
    if bytes.len() < n {
        return Err(format!("a field needs {n} bytes, {} left", bytes.len()));
    }
    Ok(bytes.split_at(n))
}
