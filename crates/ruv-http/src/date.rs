//! The `Date` header: RFC 9110's IMF-fixdate, formatted once a second.

use std::time::{SystemTime, UNIX_EPOCH};

/// The cached `Date` value of the current second, formatted in place (no allocation,
/// also when the second changes).
#[derive(Debug)]
pub(crate) struct DateCache {
    secs: u64,
    bytes: [u8; 29],
}

impl Default for DateCache {
    fn default() -> Self {
        DateCache {
            secs: u64::MAX,
            bytes: [b' '; 29],
        }
    }
}

impl DateCache {
    /// Today's value as its 29 bytes (`Sun, 06 Nov 1994 08:49:37 GMT`).
    pub(crate) fn now_bytes(&mut self) -> [u8; 29] {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if secs != self.secs {
            self.secs = secs;
            write_date(&mut self.bytes, secs);
        }
        self.bytes
    }
}

/// IMF-fixdate from Unix seconds.
pub fn http_date(secs: u64) -> String {
    let mut b = [b' '; 29];
    write_date(&mut b, secs);
    String::from_utf8_lossy(&b).into_owned()
}

/// Writes the IMF-fixdate of `secs` into `out` (29 bytes; years past 9999 are cut).
fn write_date(out: &mut [u8; 29], secs: u64) {
    use std::io::Write;
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // days since 1970-01-01 to a proleptic Gregorian date (Hinnant's civil_from_days)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut w = &mut out[..];
    // a 29-byte slice takes every date up to year 9999; a later one is cut short
    write!(
        w,
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
    .ok();
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_format_as_imf_fixdate() {
        assert_eq!(
            super::http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(super::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            super::http_date(951_782_400),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
    }
}
