//! Times as people in the UK read and write them. Everything is stored as
//! seconds since the Unix epoch; councils, families and meetings all work in
//! UK local time, which is GMT in winter and BST in summer, so a time shown
//! or typed as UTC would be an hour out for half the year.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

// The zone data is compiled in (jiff's tzdb-bundle-always): it cannot be missing.
#[allow(clippy::expect_used)]
fn uk() -> TimeZone {
    TimeZone::get("Europe/London").expect("Europe/London is in the built-in zone data")
}

fn local(at: i64) -> Option<jiff::Zoned> {
    Some(Timestamp::from_second(at).ok()?.to_zoned(uk()))
}

/// A UK local time written `YYYY-MM-DDTHH:MM` (seconds optional, a space
/// instead of the `T` allowed). In the hour the clocks go back, the first of
/// the two; a time skipped when they go forward counts as the hour after.
pub fn parse_local(text: &str) -> Option<i64> {
    let text = text.trim().replacen(' ', "T", 1);
    let (date, time) = text.split_once('T')?;
    let date: jiff::civil::Date = date.parse().ok()?;
    let time = jiff::civil::Time::strptime("%H:%M:%S", time)
        .or_else(|_| jiff::civil::Time::strptime("%H:%M", time))
        .ok()?;
    let zoned = DateTime::from_parts(date, time).to_zoned(uk()).ok()?;
    Some(zoned.timestamp().as_second())
}

/// A time as a form field shows it for editing: `2026-12-01T09:30`, with
/// seconds only when there are some.
pub fn input(at: i64) -> String {
    local(at)
        .map(|t| {
            let format = if t.second() == 0 {
                "%Y-%m-%dT%H:%M"
            } else {
                "%Y-%m-%dT%H:%M:%S"
            };
            t.strftime(format).to_string()
        })
        .unwrap_or_default()
}

/// A day: "1 December 2026".
pub fn day(at: i64) -> String {
    local(at)
        .map(|t| t.strftime("%-d %B %Y").to_string())
        .unwrap_or_default()
}

/// A day and time for staff lists: "1 Dec 2026, 09:30".
pub fn day_and_time(at: i64) -> String {
    local(at)
        .map(|t| t.strftime("%-d %b %Y, %H:%M").to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A meeting time as a family reads it: "Thursday 10 December 2026 at 10am",
/// "… at 3:30pm".
pub fn meeting(at: i64) -> String {
    let Some(t) = local(at) else {
        return String::new();
    };
    format!("{} at {}", t.strftime("%A %-d %B %Y"), clock(&t))
}

fn clock(t: &jiff::Zoned) -> String {
    if t.minute() == 0 {
        t.strftime("%-I%P").to_string()
    } else {
        t.strftime("%-I:%M%P").to_string()
    }
}

/// A time of day as a family reads it: "3pm", "3:30pm".
pub fn time_of_day(at: i64) -> String {
    local(at).map(|t| clock(&t)).unwrap_or_default()
}

/// When a message was sent, as a family reads it: "Tuesday 1 December at
/// 3:30pm".
pub fn sent(at: i64) -> String {
    local(at)
        .map(|t| format!("{} at {}", t.strftime("%A %-d %B"), clock(&t)))
        .unwrap_or_default()
}

/// The moment `days` working days (Monday to Friday, UK time; bank holidays
/// are not known here) have passed since `at`: the same time of day that
/// many weekdays later. A time at a weekend counts from the next Monday's
/// start.
pub fn after_working_days(at: i64, days: u32) -> i64 {
    use jiff::civil::Weekday;
    let Some(mut t) = local(at) else {
        return at;
    };
    let weekend = |t: &jiff::Zoned| matches!(t.weekday(), Weekday::Saturday | Weekday::Sunday);
    if weekend(&t) {
        while weekend(&t) {
            t = match t.tomorrow() {
                Ok(next) => next,
                Err(_) => return at,
            };
        }
        t = match t.start_of_day() {
            Ok(start) => start,
            Err(_) => return at,
        };
    }
    let mut left = days;
    while left > 0 {
        t = match t.tomorrow() {
            Ok(next) => next,
            Err(_) => return at,
        };
        if !weekend(&t) {
            left -= 1;
        }
    }
    t.timestamp().as_second()
}

/// A person's age in whole years on `today`, from a `YYYY-MM-DD` date of
/// birth; `None` when the date does not parse.
pub fn age_on(date_of_birth: &str, today: time::Date) -> Option<i32> {
    let born = time::Date::parse(
        date_of_birth,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let mut age = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    Some(age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_working_days_skip_the_weekend() {
        // Thursday 3 December 2026, 10:00 GMT.
        let thursday = parse_local("2026-12-03T10:00").unwrap();
        assert_eq!(
            after_working_days(thursday, 2),
            parse_local("2026-12-07T10:00").unwrap(),
            "Thursday + 2 working days is Monday"
        );
        let monday = parse_local("2026-11-30T16:45").unwrap();
        assert_eq!(
            after_working_days(monday, 2),
            parse_local("2026-12-02T16:45").unwrap()
        );
        // Sent on Saturday: the clock starts on Monday morning.
        let saturday = parse_local("2026-12-05T20:00").unwrap();
        assert_eq!(
            after_working_days(saturday, 2),
            parse_local("2026-12-09T00:00").unwrap()
        );
    }

    #[test]
    fn a_message_time_reads_as_a_family_says_it() {
        let at = parse_local("2026-12-01T15:30").unwrap();
        assert_eq!(sent(at), "Tuesday 1 December at 3:30pm");
        assert_eq!(time_of_day(parse_local("2026-07-01T09:00").unwrap()), "9am");
    }

    #[test]
    fn winter_times_are_gmt_and_summer_times_are_bst() {
        let winter = parse_local("2026-12-10T10:00").unwrap();
        assert_eq!(winter, 1_796_896_800, "10:00 GMT");
        let summer = parse_local("2026-07-01 10:00").unwrap();
        assert_eq!(summer, 1_782_896_400, "10:00 BST is 09:00 UTC");
        assert_eq!(input(summer), "2026-07-01T10:00");
        assert_eq!(input(winter), "2026-12-10T10:00");
        assert_eq!(input(winter + 5), "2026-12-10T10:00:05");
        assert_eq!(parse_local(&input(winter + 5)), Some(winter + 5));
    }

    #[test]
    fn people_read_days_and_meeting_times_in_words() {
        let at = parse_local("2026-12-10T10:00").unwrap();
        assert_eq!(day(at), "10 December 2026");
        assert_eq!(meeting(at), "Thursday 10 December 2026 at 10am");
        let later = parse_local("2026-12-18T15:30").unwrap();
        assert_eq!(meeting(later), "Friday 18 December 2026 at 3:30pm");
        assert_eq!(day_and_time(later), "18 Dec 2026, 15:30");
        // Just before midnight UTC in summer is already the next day in the UK.
        let late = parse_local("2026-07-02T00:30").unwrap();
        assert_eq!(day(late), "2 July 2026");
    }

    #[test]
    fn times_that_are_not_times_are_refused() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T09:00",
            "2026-12-01T25:00",
            "2026-12-01",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }
}
