//! Process metrics from `/proc/self` (Linux). Elsewhere, or when `/proc` cannot be read,
//! [`ProcessStats::read`] gives `None` for what it could not learn, and
//! [`Snapshot::process`](crate::Snapshot::process) leaves those metrics out.

/// What the process metrics report; each field is `None` where it could not be read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcessStats {
    /// User plus system CPU time, in seconds.
    pub cpu_seconds: Option<f64>,
    /// Resident set size, in bytes.
    pub resident_bytes: Option<u64>,
    /// Virtual memory size, in bytes.
    pub virtual_bytes: Option<u64>,
    /// Open file descriptors (not counting the one used to count them).
    pub open_fds: Option<u64>,
    /// The soft limit on open file descriptors (`None` when unlimited or unknown).
    pub max_fds: Option<u64>,
    /// Threads in the process.
    pub threads: Option<u64>,
    /// When the process started, in seconds since the Unix epoch.
    pub start_time_seconds: Option<f64>,
}

impl ProcessStats {
    /// Reads the calling process's figures. Never fails: what cannot be read is `None`.
    pub fn read() -> ProcessStats {
        #[cfg(target_os = "linux")]
        {
            linux::read()
        }
        #[cfg(not(target_os = "linux"))]
        {
            ProcessStats::default()
        }
    }
}

/// The fields of `/proc/PID/stat` that the metrics use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub(crate) utime_ticks: u64,
    pub(crate) stime_ticks: u64,
    pub(crate) threads: u64,
    pub(crate) start_ticks: u64,
    pub(crate) vsize_bytes: u64,
    pub(crate) rss_pages: u64,
}

/// Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself hold
/// spaces and parentheses, so fields are counted after the *last* `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    // rest starts at field 3 (state): field N is at index N - 3
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        utime_ticks: field(14)?,
        stime_ticks: field(15)?,
        threads: field(20)?,
        start_ticks: field(22)?,
        vsize_bytes: field(23)?,
        rss_pages: field(24)?,
    })
}

/// The boot time (`btime`, seconds since the epoch) from `/proc/stat`.
pub(crate) fn parse_btime(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(target_os = "linux")]
mod linux {
    use super::*;

    pub(super) fn read() -> ProcessStats {
        let mut stats = ProcessStats::default();
        let ticks = rustix::param::clock_ticks_per_second() as f64;
        if let Some(stat) = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|t| parse_stat(&t))
        {
            if ticks > 0.0 {
                stats.cpu_seconds = Some((stat.utime_ticks + stat.stime_ticks) as f64 / ticks);
                let boot = std::fs::read_to_string("/proc/stat")
                    .ok()
                    .and_then(|t| parse_btime(&t));
                stats.start_time_seconds = boot.map(|b| b as f64 + stat.start_ticks as f64 / ticks);
            }
            stats.threads = Some(stat.threads);
            stats.virtual_bytes = Some(stat.vsize_bytes);
            stats.resident_bytes = Some(
                stat.rss_pages
                    .saturating_mul(rustix::param::page_size() as u64),
            );
        }
        // The directory listing holds one fd of its own while it runs.
        stats.open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|d| (d.count() as u64).saturating_sub(1));
        stats.max_fds = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_last_parenthesis() {
        let line = "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
                    150 25 0 0 20 0 7 0 123456 104857600 2560 18446744073709551615 \
                    1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                utime_ticks: 150,
                stime_ticks: 25,
                threads: 7,
                start_ticks: 123456,
                vsize_bytes: 104857600,
                rss_pages: 2560,
            })
        );
    }

    #[test]
    fn a_truncated_or_garbled_stat_is_none() {
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("1 (x) S 1 2 3"), None);
        assert_eq!(parse_stat("no parenthesis at all"), None);
    }

    #[test]
    fn btime_is_found_among_the_lines() {
        assert_eq!(
            parse_btime("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"),
            Some(1700000000)
        );
        assert_eq!(parse_btime("cpu 1 2 3\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_reads_plausibly() {
        let s = ProcessStats::read();
        assert!(s.cpu_seconds.is_some_and(|c| c >= 0.0));
        assert!(s.resident_bytes.is_some_and(|r| r > 0));
        assert!(s.threads.is_some_and(|t| t >= 1));
        assert!(s.open_fds.is_some());
        let start = s.start_time_seconds.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(start > 1e9 && start <= now + 1.0, "{start}");
    }
}
