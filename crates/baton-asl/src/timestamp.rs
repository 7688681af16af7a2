//! Timestamps as the Amazon States Language defines them, for Choice rules and Wait states.
//!
//! The ASL specification: timestamps "MUST conform to the RFC3339 profile of ISO 8601, with the
//! further restrictions that an uppercase “T” character MUST be used to separate date and time,
//! and an uppercase “Z” character MUST be present in the absence of a numeric time zone offset,
//! for example “2016-03-14T01:59:00Z”". AWS rejects every other spelling: the recorded Wait
//! failures include `05-12-2016T21:29:29Z`, `2016-12-05 21:29:29Z`, `2016-12-05T21:29:29`,
//! `2016-12-05T25:29:29Z` and `2016-13-05T21:29:29Z`.
//!
//! `jiff` alone is too lenient for this (it accepts a lowercase `t` or `z`, a space separator,
//! leap seconds and offsets beyond ±18:00), so [`parse`] checks the exact shape by hand first and
//! leaves only the calendar arithmetic (days per month, leap years, offsets) to `jiff`. Instants
//! outside `jiff::Timestamp`'s range (after 9999-12-30T22:00:00Z) are rejected although Java would
//! accept them.

/// Fraction-of-second digits AWS accepts: at most nanoseconds, as Java's `OffsetDateTime` parses.
const FRACTION_DIGITS_MAX: usize = 9;

/// Java's `ZoneOffset` (which AWS parses timestamps with) allows offsets up to ±18:00.
const OFFSET_HOURS_MAX: u32 = 18;

/// Parses an ASL timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, returning the
/// instant it denotes, or `None` for anything AWS would reject.
pub fn parse(text: &str) -> Option<jiff::Timestamp> {
    if !has_rfc3339_shape(text.as_bytes()) {
        return None;
    }
    text.parse::<jiff::Timestamp>().ok()
}

/// Checks the fixed layout and the field ranges that do not depend on the calendar.
fn has_rfc3339_shape(bytes: &[u8]) -> bool {
    let Some((date_time, rest)) = bytes.split_at_checked(19) else {
        return false;
    };
    let layout_ok = date_time.iter().enumerate().all(|(index, &byte)| match index {
        4 | 7 => byte == b'-',
        10 => byte == b'T',
        13 | 16 => byte == b':',
        _ => byte.is_ascii_digit(),
    });
    if !layout_ok {
        return false;
    }
    let in_range = |from: usize, low: u32, high: u32| {
        number(date_time.get(from..from + 2)).is_some_and(|value| (low..=high).contains(&value))
    };
    // Month, day, hour, minute, second. Days beyond the month's end are left to jiff.
    let fields_ok = in_range(5, 1, 12)
        && in_range(8, 1, 31)
        && in_range(11, 0, 23)
        && in_range(14, 0, 59)
        && in_range(17, 0, 59);
    fields_ok && has_fraction_and_offset_shape(rest)
}

/// Checks `[.digits](Z|±HH:MM)`, the part after the seconds.
fn has_fraction_and_offset_shape(rest: &[u8]) -> bool {
    let offset = match rest.split_first() {
        Some((b'.', after_dot)) => {
            let digits = after_dot.iter().take_while(|byte| byte.is_ascii_digit()).count();
            if digits == 0 || digits > FRACTION_DIGITS_MAX {
                return false;
            }
            after_dot.get(digits..).unwrap_or_default()
        }
        _ => rest,
    };
    match offset {
        b"Z" => true,
        [b'+' | b'-', hours @ .., b':', minutes_tens, minutes_units] if hours.len() == 2 => {
            let (Some(hours), Some(minutes)) =
                (number(Some(hours)), number(Some(&[*minutes_tens, *minutes_units])))
            else {
                return false;
            };
            minutes <= 59
                && (hours < OFFSET_HOURS_MAX || (hours == OFFSET_HOURS_MAX && minutes == 0))
        }
        _ => false,
    }
}

/// The value of a run of ASCII digits, or `None` if any byte is not a digit.
fn number(digits: Option<&[u8]>) -> Option<u32> {
    digits?.iter().try_fold(0_u32, |value, byte| {
        byte.is_ascii_digit().then(|| value * 10 + u32::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    /// `expect` is the instant in jiff's canonical UTC form, or `None` for a rejected text.
    fn check(text: &str, expect: Option<&str>) {
        let actual = super::parse(text).map(|timestamp| timestamp.to_string());
        assert_eq!(actual.as_deref(), expect, "parsing {text:?}");
    }

    #[test]
    fn accepts_rfc3339_with_uppercase_t_and_z() {
        check("2016-03-14T01:59:00Z", Some("2016-03-14T01:59:00Z"));
        check("2012-10-09T19:00:55Z", Some("2012-10-09T19:00:55Z"));
        check("0000-01-01T00:00:00Z", Some("0000-01-01T00:00:00Z"));
        check("9999-12-30T22:00:00Z", Some("9999-12-30T22:00:00Z"));
        // A leap day exists only in leap years.
        check("2024-02-29T00:00:00Z", Some("2024-02-29T00:00:00Z"));
    }

    #[test]
    fn accepts_fractional_seconds_up_to_nanoseconds() {
        // Recorded: AWS waits until "2094-12-09T20:14:54.000Z".
        check("2094-12-09T20:14:54.000Z", Some("2094-12-09T20:14:54Z"));
        check("2016-03-14T01:59:00.5Z", Some("2016-03-14T01:59:00.5Z"));
        check("2016-03-14T01:59:00.123456789Z", Some("2016-03-14T01:59:00.123456789Z"));
        check("2016-03-14T01:59:00.1234567890Z", None);
        check("2016-03-14T01:59:00.Z", None);
    }

    #[test]
    fn accepts_numeric_offsets_within_eighteen_hours() {
        check("2012-10-09T19:00:55+01:00", Some("2012-10-09T18:00:55Z"));
        check("2012-10-09T19:00:55-05:30", Some("2012-10-10T00:30:55Z"));
        check("2012-10-09T19:00:55+18:00", Some("2012-10-09T01:00:55Z"));
        check("2012-10-09T19:00:55-18:00", Some("2012-10-10T13:00:55Z"));
        check("2012-10-09T19:00:55+18:01", None);
        check("2012-10-09T19:00:55+19:00", None);
        check("2012-10-09T19:00:55+01:60", None);
        check("2012-10-09T19:00:55+0100", None);
        check("2012-10-09T19:00:55+01", None);
        check("2012-10-09T19:00:55+01:00:00", None);
    }

    #[test]
    fn rejects_what_aws_rejected() {
        check("05-12-2016T21:29:29Z", None);
        check("2016-12-05 21:29:29Z", None);
        check("2016-12-05T21:29:29", None);
        check("2016-12-05T25:29:29Z", None);
        check("2016-13-05T21:29:29Z", None);
        check("2026-11-21T20:14:54.000000", None);
    }

    #[test]
    fn rejects_lowercase_separators_and_other_lenient_spellings() {
        check("2016-12-05t21:29:29Z", None);
        check("2016-12-05T21:29:29z", None);
        check("2016-12-05T21:29Z", None);
        check("2016-12-05", None);
        check("2023-02-24 12:15:56.832957", None);
        check("+2016-12-05T21:29:29Z", None);
        check("20161-12-05T21:29:29Z", None);
        check(" 2016-12-05T21:29:29Z", None);
        check("2016-12-05T21:29:29Z ", None);
        check("", None);
        check("date", None);
    }

    #[test]
    fn rejects_out_of_range_fields() {
        check("2016-00-05T21:29:29Z", None);
        check("2016-12-00T21:29:29Z", None);
        check("2016-12-32T21:29:29Z", None);
        check("2023-02-29T00:00:00Z", None);
        check("2016-04-31T00:00:00Z", None);
        check("2016-12-05T24:00:00Z", None);
        check("2016-12-05T21:60:29Z", None);
        // Java's ISO parser, which AWS uses, has no leap seconds.
        check("2016-12-31T23:59:60Z", None);
    }

    #[test]
    fn rejects_instants_outside_jiffs_range() {
        // Known difference: Java accepts these, but `jiff::Timestamp` ends where any offset still
        // yields a valid civil date-time. No workflow compares instants this far out.
        check("9999-12-31T23:59:59Z", None);
        check("9999-12-30T22:00:01Z", None);
    }

    #[test]
    fn rejects_non_ascii_without_panicking() {
        check("２０１６-12-05T21:29:29Z", None);
        check("2016-12-05T21:29:29Ž", None);
        check("2016-12-05T21:29:29.５Z", None);
    }
}
