//! The smallest valid OTLP `http/protobuf` export: one resource (`service.name = agentgw`) with no
//! data points and no log records. The ingest endpoint parses it, checks the token and the target
//! table exactly as for Claude Code's exporter, and writes no row.
//!
//! `ExportMetricsServiceRequest` and `ExportLogsServiceRequest` share this layout (field 1: the
//! repeated Resource{Metrics,Logs}; in it field 1: the Resource; in that field 1: the attributes),
//! so one body serves both signals. Hand-encoded: a protobuf crate for 40 bytes is not worth it.

/// Protobuf wire type 2: a length-delimited field (message, string, bytes).
const LENGTH_DELIMITED: u8 = 2;

/// The service name the (empty) export carries, so an ingest log shows who sent it.
pub const SERVICE_NAME: &str = "agentgw";

/// The request body for `POST <host>/api/2.0/otel/v1/{metrics,logs}`.
pub fn empty_export() -> Vec<u8> {
    // AnyValue { string_value (1) }
    let any_value = field(1, SERVICE_NAME.as_bytes());
    // KeyValue { key (1), value (2) }
    let key_value = [field(1, b"service.name"), field(2, &any_value)].concat();
    // Resource { attributes (1) }
    let resource = field(1, &key_value);
    // Resource{Metrics,Logs} { resource (1) }
    let resource_signal = field(1, &resource);
    // Export{Metrics,Logs}ServiceRequest { resource_{metrics,logs} (1) }
    field(1, &resource_signal)
}

/// One length-delimited field: tag, length, bytes.
fn field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![(number << 3) | LENGTH_DELIMITED];
    let mut len = bytes.len();
    // Varint: seven bits at a time, high bit set on all but the last byte.
    while len >= 0x80 {
        out.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(bytes);
    out
}

/// The `message` (field 2) of a protobuf `google.rpc.Status`, the error body of OTLP/HTTP.
pub fn rpc_status_message(bytes: &[u8]) -> Option<String> {
    let mut rest = bytes;
    while let Some((&tag, after)) = rest.split_first() {
        let (number, wire_type) = (tag >> 3, tag & 7);
        rest = after;
        match wire_type {
            0 => {
                let end = rest.iter().position(|b| b & 0x80 == 0)?;
                rest = &rest[end + 1..];
            }
            LENGTH_DELIMITED => {
                let (len, after) = varint(rest)?;
                let value = after.get(..len)?;
                if number == 2 {
                    return String::from_utf8(value.to_vec()).ok();
                }
                rest = &after[len..];
            }
            _ => return None,
        }
    }
    None
}

/// A varint length and the bytes after it.
fn varint(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut value = 0usize;
    for (i, b) in bytes.iter().enumerate().take(4) {
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_is_the_expected_bytes() {
        let expected: &[u8] =
            b"\x0a\x1d\x0a\x1b\x0a\x19\x0a\x0cservice.name\x12\x09\x0a\x07agentgw";
        assert_eq!(empty_export(), expected);
    }

    #[test]
    fn the_message_of_an_rpc_status_is_read() {
        // Status { code: 5, message: "table not found" }
        let status = [&[0x08, 0x05][..], &field(2, b"table not found")].concat();
        assert_eq!(
            rpc_status_message(&status).as_deref(),
            Some("table not found")
        );
        assert_eq!(rpc_status_message(b"\xff\xff"), None);
        assert_eq!(rpc_status_message(&field(2, &[0xff])), None);
    }

    #[test]
    fn long_fields_get_multi_byte_lengths() {
        assert_eq!(&field(1, &[0; 300])[..3], &[0x0a, 0xac, 0x02]);
    }
}
