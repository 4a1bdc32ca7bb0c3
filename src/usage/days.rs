//! Calendar days as `YYYY-MM-DD` (what both usage queries group by), and the filling of a day
//! report so every day of the window is shown.

use std::time::{SystemTime, UNIX_EPOCH};

/// A row of a report by day: its day, and how a day without usage looks.
pub trait Dated: Clone {
    /// The row's `YYYY-MM-DD` label (anything else is kept as it is, after the days).
    fn day(&self) -> &str;
    /// The row for a day with no usage.
    fn empty(day: String) -> Self;
}

/// Every day of the window ending `today` (else the days between the first and last row), with
/// empty rows for days without usage: a chart with a gap says "nothing that day", a chart without
/// one lies about it. Rows outside the window (clock skew) are kept.
pub fn fill_days<T: Dated>(rows: Vec<T>, days: u32, today: Option<&str>) -> Vec<T> {
    let numbered: Vec<Option<i64>> = rows.iter().map(|r| day_number(r.day())).collect();
    let known = numbered.iter().flatten().copied();
    let (first, last) = match today.and_then(day_number) {
        Some(end) => (
            known
                .clone()
                .min()
                .unwrap_or(end)
                .min(end - i64::from(days) + 1),
            known.max().unwrap_or(end).max(end),
        ),
        None => match (known.clone().min(), known.max()) {
            (Some(first), Some(last)) => (first, last),
            _ => return rows,
        },
    };
    let mut filled: Vec<T> = (first..=last)
        .map(|day| match numbered.iter().position(|n| *n == Some(day)) {
            Some(i) => rows[i].clone(),
            None => T::empty(date_of(day)),
        })
        .collect();
    // A label that is not a date (should not happen) is shown, not dropped.
    filled.extend(
        rows.iter()
            .zip(&numbered)
            .filter(|(_, n)| n.is_none())
            .map(|(r, _)| r.clone()),
    );
    filled
}

/// Today in UTC (the warehouse's `current_date()` is UTC unless the session says otherwise): the
/// end of the window when the warehouse answered no rows to tell its own today.
pub fn today_utc() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_of((seconds / 86_400) as i64)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian calendar).
pub fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || date.len() != 10 {
        return None;
    }
    // Count years from March, so the leap day is the last day of the "year".
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The `YYYY-MM-DD` date of a day number (the inverse of [`day_number`]).
pub fn date_of(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let d = day_of_year - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = year_of_era + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Row(String, u32);

    impl Dated for Row {
        fn day(&self) -> &str {
            &self.0
        }
        fn empty(day: String) -> Row {
            Row(day, 0)
        }
    }

    fn labels(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.0.as_str()).collect()
    }

    #[test]
    fn dates_round_trip_across_month_year_and_leap_day() {
        for date in [
            "1970-01-01",
            "2024-02-29",
            "2024-03-01",
            "2026-12-31",
            "2027-01-01",
        ] {
            assert_eq!(date_of(day_number(date).unwrap()), date);
        }
        assert_eq!(day_number("1970-01-02"), Some(1));
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
        assert_eq!(day_number("unknown"), None);
    }

    #[test]
    fn gaps_between_days_become_empty_rows() {
        let filled = fill_days(
            vec![Row("2026-02-27".into(), 1), Row("2026-03-02".into(), 2)],
            7,
            None,
        );
        assert_eq!(
            labels(&filled),
            ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
        );
        assert_eq!(filled[1].1, 0);
    }

    #[test]
    fn the_whole_window_up_to_today_is_shown() {
        let filled = fill_days(
            vec![Row("2026-11-22".into(), 1), Row("2026-11-24".into(), 2)],
            7,
            Some("2026-11-26"),
        );
        assert_eq!(
            labels(&filled),
            [
                "2026-11-20",
                "2026-11-21",
                "2026-11-22",
                "2026-11-23",
                "2026-11-24",
                "2026-11-25",
                "2026-11-26"
            ]
        );
        assert_eq!(filled[4].1, 2);
    }

    #[test]
    fn no_rows_and_a_today_give_every_day_empty_across_a_year_end() {
        let filled: Vec<Row> = fill_days(vec![], 3, Some("2027-01-01"));
        assert_eq!(labels(&filled), ["2026-12-30", "2026-12-31", "2027-01-01"]);
        assert!(filled.iter().all(|r| r.1 == 0));
    }

    #[test]
    fn a_label_that_is_not_a_day_is_kept_last() {
        let filled = fill_days(
            vec![Row("unknown".into(), 5), Row("2026-11-26".into(), 1)],
            2,
            Some("2026-11-26"),
        );
        assert_eq!(labels(&filled), ["2026-11-25", "2026-11-26", "unknown"]);
    }

    #[test]
    fn today_in_utc_is_a_date() {
        assert!(day_number(&today_utc()).is_some_and(|n| n > 20_000));
    }
}
