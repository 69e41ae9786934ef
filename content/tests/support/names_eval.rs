//! Scores the check's name findings on `tests/data/names-eval.jsonl`:
//! sentences like case notes with names of many origins (from Mimesis, an
//! independent generator; see `tests/data/make_names_eval.py`), checked
//! with no people of the case. Shared by the test that asserts the floors and
//! the benchmark that reports the figures.

use content::check::{find, FindingKind};
use serde::Deserialize;

pub const EVAL: &str = include_str!("../data/names-eval.jsonl");

#[derive(Deserialize)]
struct Line {
    text: String,
    names: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    start: usize,
    end: usize,
}

/// Recall and precision of names, and what was missed or wrongly flagged.
pub struct Score {
    pub names: usize,
    /// Names every letter of which lies inside a person finding.
    pub found: usize,
    pub flagged: usize,
    /// Person findings that lie inside a labelled name.
    pub right: usize,
    pub missed: Vec<String>,
    pub wrong: Vec<String>,
}

impl Score {
    pub fn recall(&self) -> f64 {
        self.found as f64 / self.names as f64
    }
    pub fn precision(&self) -> f64 {
        self.right as f64 / self.flagged as f64
    }
}

pub fn score() -> Score {
    let mut s = Score {
        names: 0,
        found: 0,
        flagged: 0,
        right: 0,
        missed: Vec::new(),
        wrong: Vec::new(),
    };
    for line in EVAL.lines().filter(|l| !l.trim().is_empty()) {
        let line: Line = serde_json::from_str(line).expect("eval line parses");
        let findings: Vec<_> = find(&line.text, &[])
            .into_iter()
            .filter(|f| matches!(f.kind, FindingKind::Person | FindingKind::UnknownPerson))
            .collect();
        for name in &line.names {
            s.names += 1;
            // Every letter of the name is inside some finding.
            let covered = line.text[name.start..name.end]
                .char_indices()
                .filter(|(_, c)| c.is_alphabetic())
                .all(|(k, _)| {
                    let at = name.start + k;
                    findings.iter().any(|f| f.start <= at && at < f.end)
                });
            if covered {
                s.found += 1;
            } else {
                s.missed.push(format!(
                    "{:?} in {:?}",
                    &line.text[name.start..name.end],
                    line.text
                ));
            }
        }
        for f in &findings {
            s.flagged += 1;
            if line
                .names
                .iter()
                .any(|n| n.start <= f.start && f.end <= n.end)
            {
                s.right += 1;
            } else {
                s.wrong.push(format!("{:?} in {:?}", f.text, line.text));
            }
        }
    }
    s
}
