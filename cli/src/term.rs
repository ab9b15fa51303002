//! What goes to the terminal: colour only on a terminal and never with
//! `NO_COLOR`, progress lines and errors on stderr, and tables.

use std::io::IsTerminal;

/// Whether stream `terminal` may be coloured.
fn colour(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// `text` in the ANSI colour `code` when `on`.
fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// Paints for standard output.
pub(crate) fn out(code: &str, text: &str) -> String {
    paint(colour(std::io::stdout().is_terminal()), code, text)
}

/// Paints for standard error.
fn err(code: &str, text: &str) -> String {
    paint(colour(std::io::stderr().is_terminal()), code, text)
}

/// Green, for success.
pub(crate) const GREEN: &str = "32";
/// Red, for failure.
pub(crate) const RED: &str = "31";
/// Dim, for what matters less.
pub(crate) const DIM: &str = "2";

/// A failure: `code: message` on stderr.
pub(crate) fn error(code: &str, message: &str) {
    eprintln!("{}: {message}", err(RED, code));
}

/// A progress line on stderr, for a wait that may last.
pub(crate) fn progress(message: &str) {
    eprintln!("{}", err(DIM, message));
}

/// Rows under a header, columns padded to their widest cell.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            if i + 1 == widths.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_owned()
    };
    let mut text = line(&mut header.iter().copied());
    text.push('\n');
    for row in rows {
        text.push_str(&line(&mut row.iter().map(String::as_str)));
        text.push('\n');
    }
    text
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS` UTC, or `-` for 0.
pub(crate) fn date_time(ms: u64) -> String {
    if ms == 0 {
        return "-".to_owned();
    }
    let seconds = ms / 1000;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Unix milliseconds as `HH:MM:SS.mmm` UTC.
pub(crate) fn time_of_day(ms: u64) -> String {
    let rest = ms / 1000 % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        ms % 1000
    )
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's
/// algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Now, in unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert_eq!(date_time(0), "-");
        assert_eq!(date_time(1_700_000_000_123), "2023-11-14 22:13:20");
        assert_eq!(date_time(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(time_of_day(1_700_000_000_123), "22:13:20.123");
    }

    #[test]
    fn tables_align_columns() {
        let rows = vec![vec!["a".to_owned(), "bbbb".to_owned(), "c".to_owned()]];
        assert_eq!(
            table(&["NAME", "X", "LAST"], &rows),
            "NAME  X     LAST\na     bbbb  c\n"
        );
    }
}
