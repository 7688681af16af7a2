//! How long a retrier waits before each retry (`IntervalSeconds`, `BackoffRate`,
//! `MaxDelaySeconds`, `JitterStrategy`).
//!
//! AWS's documentation: with `IntervalSeconds` 2 and `BackoffRate` 2, "the first retry attempt
//! takes place two seconds after the error occurs. The second retry takes place four seconds
//! after the first retry attempt and the third retry takes place eight seconds after the second
//! retry attempt. If you set `JitterStrategy` as `FULL`, the first retry interval is randomized
//! between 0 and 2 seconds, the second retry interval is randomized between 0 and 4 seconds, and
//! the third retry interval is randomized between 0 and 8 seconds." `MaxDelaySeconds` caps the
//! interval before jitter is applied. Rates need not be whole numbers (`IntervalSeconds` 3 with
//! `BackoffRate` 1.5 waits 3 and then 4.5 seconds), so delays are computed in floating point and
//! rounded to whole milliseconds.
//!
//! The random number for jitter is an argument: this crate draws no randomness of its own.

use std::time::Duration;

use crate::limits;
use crate::model::{Jitter, Retrier};

/// The backoff settings of one retrier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// `IntervalSeconds`: the wait before the first retry.
    pub interval_seconds: u64,
    /// `BackoffRate`: the factor by which each further wait grows (at least 1.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`: the longest a wait may grow to, before jitter.
    pub max_delay_seconds: Option<u64>,
    /// `JitterStrategy`: `FULL` draws each wait uniformly from zero up to the computed wait;
    /// `NONE` (the default) waits exactly the computed time.
    pub jitter: Jitter,
}

impl From<&Retrier> for Backoff {
    fn from(retrier: &Retrier) -> Backoff {
        Backoff {
            interval_seconds: retrier.interval_seconds,
            backoff_rate: retrier.backoff_rate,
            max_delay_seconds: retrier.max_delay_seconds,
            jitter: retrier.jitter,
        }
    }
}

impl Backoff {
    /// The wait before retry number `retry_index` of this retrier (0 for the first retry).
    /// `random_unit` is a uniformly drawn number in `[0, 1)`; it only matters with full jitter.
    ///
    /// The wait never exceeds [`limits::RETRY_MAX_DELAY_SECONDS_MAX`], even without
    /// `MaxDelaySeconds`: that is longer than any execution may run, so the cap is unobservable
    /// and keeps huge rates or retry counts from overflowing.
    pub fn delay(&self, retry_index: u64, random_unit: f64) -> Duration {
        // Precision loss converting to f64 only matters beyond 2^53 seconds, far above the cap.
        let cap_seconds =
            self.max_delay_seconds.map_or(limits::RETRY_MAX_DELAY_SECONDS_MAX, |max| {
                max.min(limits::RETRY_MAX_DELAY_SECONDS_MAX)
            }) as f64;
        let exponent = i32::try_from(retry_index).unwrap_or(i32::MAX);
        let grown_seconds = self.interval_seconds as f64 * self.backoff_rate.powi(exponent);
        // A rate below 1 (rejected by validation) could make this negative or NaN; clamp anyway.
        let capped_seconds = if grown_seconds.is_nan() {
            cap_seconds
        } else {
            grown_seconds.clamp(0.0, cap_seconds)
        };
        let seconds = match self.jitter {
            Jitter::Full => {
                let unit = if random_unit.is_nan() { 0.0 } else { random_unit.clamp(0.0, 1.0) };
                capped_seconds * unit
            }
            Jitter::None => capped_seconds,
        };
        // `seconds` is finite and within [0, cap], so the conversion cannot saturate.
        Duration::from_millis((seconds * 1000.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;
    use crate::model::Jitter;

    /// Checks the waits before successive retries, in milliseconds, all drawn with one random unit.
    fn check(backoff: Backoff, random_unit: f64, expect_millis: &[u64]) {
        let actual: Vec<u64> = (0..expect_millis.len() as u64)
            .map(|retry_index| backoff.delay(retry_index, random_unit).as_millis() as u64)
            .collect();
        assert_eq!(actual, expect_millis, "{backoff:?} with random unit {random_unit}");
    }

    fn backoff(
        interval_seconds: u64,
        backoff_rate: f64,
        max_delay_seconds: Option<u64>,
    ) -> Backoff {
        Backoff { interval_seconds, backoff_rate, max_delay_seconds, jitter: Jitter::None }
    }

    #[test]
    fn waits_grow_by_the_backoff_rate() {
        check(backoff(3, 2.0, None), 0.5, &[3_000, 6_000, 12_000, 24_000]);
        check(backoff(2, 2.0, None), 0.5, &[2_000, 4_000, 8_000]);
        // AWS's example: "makes 2 retry attempts after waiting for 3 and 4.5 seconds".
        check(backoff(3, 1.5, None), 0.5, &[3_000, 4_500, 6_750]);
        check(backoff(1, 1.0, None), 0.5, &[1_000, 1_000, 1_000]);
        check(backoff(0, 2.0, None), 0.5, &[0, 0, 0]);
        // Fractional growth rounds to whole milliseconds.
        check(backoff(1, 1.1, None), 0.5, &[1_000, 1_100, 1_210, 1_331, 1_464]);
    }

    #[test]
    fn backoff_of_a_retrier() {
        let retrier = crate::model::Retrier {
            error_equals: vec!["States.Timeout".to_owned()],
            interval_seconds: 3,
            max_attempts: 2,
            backoff_rate: 1.5,
            max_delay_seconds: Some(4),
            jitter: Jitter::Full,
            comment: None,
        };
        check(Backoff::from(&retrier), 0.5, &[1_500, 2_000, 2_000]);
    }

    #[test]
    fn max_delay_caps_the_wait() {
        check(backoff(3, 2.0, Some(10)), 0.5, &[3_000, 6_000, 10_000, 10_000]);
        check(backoff(20, 2.0, Some(10)), 0.5, &[10_000, 10_000]);
        check(backoff(5, 1.0, Some(5)), 0.5, &[5_000, 5_000]);
    }

    #[test]
    fn huge_rates_and_counts_stop_at_the_longest_delay() {
        let longest = limits_max_millis();
        let huge = backoff(99_999_999, 2.0, None);
        assert_eq!(huge.delay(0, 0.5).as_millis() as u64, longest);
        assert_eq!(huge.delay(u64::MAX, 0.5).as_millis() as u64, longest);
        assert_eq!(backoff(1, 2.0, None).delay(u64::MAX, 0.5).as_millis() as u64, longest);
        assert_eq!(backoff(1, f64::MAX, None).delay(3, 0.5).as_millis() as u64, longest);
        assert_eq!(backoff(1, 1.0, None).delay(u64::MAX, 0.5).as_millis() as u64, 1_000);
    }

    #[test]
    fn full_jitter_scales_the_wait_by_the_random_unit() {
        let jittered = Backoff { jitter: Jitter::Full, ..backoff(2, 2.0, None) };
        check(jittered, 0.0, &[0, 0, 0]);
        check(jittered, 0.5, &[1_000, 2_000, 4_000]);
        check(jittered, 0.25, &[500, 1_000, 2_000]);
        check(jittered, 0.999_999, &[2_000, 4_000, 8_000]);
        // Jitter applies after MaxDelaySeconds caps the wait.
        check(Backoff { max_delay_seconds: Some(3), ..jittered }, 0.5, &[1_000, 1_500, 1_500]);
    }

    #[test]
    fn out_of_range_inputs_do_not_panic() {
        let jittered = Backoff { jitter: Jitter::Full, ..backoff(2, 2.0, None) };
        check(jittered, -1.0, &[0]);
        check(jittered, 7.0, &[2_000]);
        check(jittered, f64::NAN, &[0]);
        check(backoff(2, f64::NAN, None), 0.5, &[2_000, limits_max_millis()]);
        check(backoff(2, -3.0, None), 0.5, &[2_000, 0]);
    }

    fn limits_max_millis() -> u64 {
        crate::limits::RETRY_MAX_DELAY_SECONDS_MAX * 1000
    }
}
