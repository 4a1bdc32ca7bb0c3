//! How numbers and labels look in a usage table (both `agentgw usage` views): thousands
//! separators, dollars, bars drawn in eighths of a cell, and labels made safe and short.

/// Labels longer than this are cut, so one long model or e-mail does not push the bars off screen.
pub const MAX_LABEL: usize = 40;

/// A bar of up to `width` cells in eighths of a cell, scaled to `max`; a non-zero value always
/// shows, so "a little" never looks like "nothing".
pub fn bar(value: f64, max: f64, width: usize) -> String {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    if value <= 0.0 || max <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max) * (width * 8) as f64).round().max(1.0) as usize;
    let mut bar = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        bar.push(EIGHTHS[eighths % 8 - 1]);
    }
    bar
}

/// Dollars and cents, with thousands separators.
pub fn money(value: f64) -> String {
    let cents = (value * 100.0).round() as i64;
    format!(
        "{}.{:02}",
        thousands(cents.div_euclid(100)),
        cents.rem_euclid(100)
    )
}

/// A whole number with thousands separators.
pub fn count(value: f64) -> String {
    thousands(value.round() as i64)
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Dollars for JSON, without the noise of binary floating point (0.1 + 0.2 =
/// 0.30000000000000004): rounded to a millionth, far below any price per request. Never -0.0
/// (the sum of no rows is -0.0 in IEEE arithmetic, and so is a tiny negative rounded): adding
/// +0.0 makes it 0.0.
pub fn dollars(value: f64) -> f64 {
    (value * 1e6).round() / 1e6 + 0.0
}

/// The widest of `cells`, and at least `at_least` (a header's width).
pub fn width(cells: &[String], at_least: usize) -> usize {
    cells
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .max(at_least)
}

/// The label as shown: control characters (which could move the cursor or forge lines; labels
/// come from data anyone with a token can write) become `?`, and a long one is cut.
pub fn cut(label: &str) -> String {
    let shown: String = label
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if shown.chars().count() <= MAX_LABEL {
        shown
    } else {
        let kept: String = shown.chars().take(MAX_LABEL - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_drive_the_terminal() {
        assert_eq!(
            cut("evil\u{1b}]0;pwned\u{7}\nTOTAL"),
            "evil?]0;pwned??TOTAL"
        );
        let long = "m".repeat(MAX_LABEL + 5);
        assert_eq!(cut(&long).chars().count(), MAX_LABEL);
        assert!(cut(&long).ends_with('…'));
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(0.004), "0.00");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(thousands(-1234), "-1,234");
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_small_values_still_show() {
        assert_eq!(bar(10.0, 10.0, 24).chars().count(), 24);
        assert_eq!(bar(5.0, 10.0, 24), "█".repeat(12));
        assert_eq!(bar(5.0, 10.0, 10), "█".repeat(5));
        assert_eq!(bar(0.0001, 10.0, 24), "▏");
        assert_eq!(bar(0.0, 10.0, 24), "");
    }

    #[test]
    fn no_dollars_are_minus_zero() {
        assert_eq!(dollars(-1e-9).to_string(), "0");
        assert_eq!(dollars(0.1 + 0.2), 0.3);
    }
}
