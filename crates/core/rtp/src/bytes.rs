//! Big-endian reads that cannot panic: every read is bounds-checked.

use crate::error::{RtpError, need};

pub(crate) fn u16_at(buf: &[u8], at: usize) -> Result<u16, RtpError> {
    let end = at.checked_add(2).ok_or(RtpError::BadLength)?;
    need("u16", buf, end)?;
    Ok(u16::from_be_bytes([buf[at], buf[at + 1]]))
}

pub(crate) fn u32_at(buf: &[u8], at: usize) -> Result<u32, RtpError> {
    let end = at.checked_add(4).ok_or(RtpError::BadLength)?;
    need("u32", buf, end)?;
    Ok(u32::from_be_bytes([
        buf[at],
        buf[at + 1],
        buf[at + 2],
        buf[at + 3],
    ]))
}

pub(crate) fn slice(buf: &[u8], from: usize, len: usize) -> Result<&[u8], RtpError> {
    let end = from.checked_add(len).ok_or(RtpError::BadLength)?;
    need("field", buf, end)?;
    Ok(&buf[from..end])
}
