//! **[all](crate::_documentation::flow) Every arrow — the `Date` header.**
//! Every response the server writes says when it was made, as RFC 9110 §6.6.1
//! asks of an origin server with a clock, in the one format §5.6.7 allows us to
//! send (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
//!
//! # Where this sits
//! Called by [`super::Responder`] while it writes a head. The text changes once
//! a second, so each thread keeps the last one it made and reuses it: a busy
//! thread formats a date once a second, not once a request.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

/// The length of an IMF-fixdate.
const LEN: usize = 29;

thread_local! {
    /// The second (since the epoch) last formatted on this thread, and its text.
    static LAST: Cell<(u64, [u8; LEN])> = const { Cell::new((u64::MAX, [0; LEN])) };
}

/// The current time as an IMF-fixdate.
pub(crate) fn now() -> [u8; LEN] {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (cached_secs, cached) = LAST.get();
    if cached_secs == secs {
        return cached;
    }
    let text = format(secs);
    LAST.set((secs, text));
    text
}

/// Formats `secs` seconds after 1970-01-01T00:00:00Z.
fn format(secs: u64) -> [u8; LEN] {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let in_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let text = format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    );
    let mut out = [b' '; LEN];
    let n = text.len().min(LEN);
    out[..n].copy_from_slice(&text.as_bytes()[..n]);
    out
}

/// Year, month (1–12) and day (1–31) of a day count since 1970-01-01, by
/// Howard Hinnant's `civil_from_days` (proleptic Gregorian calendar).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_example_date() {
        // RFC 9110 §5.6.7: 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(&format(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn leap_days_and_the_epoch() {
        assert_eq!(&format(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        // 2024-02-29T23:59:59Z
        assert_eq!(&format(1_709_251_199), b"Thu, 29 Feb 2024 23:59:59 GMT");
    }
}
