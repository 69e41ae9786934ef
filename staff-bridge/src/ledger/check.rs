//! The chain rules, one entry at a time and apart from any database: what
//! "whole" means, which entry is the first broken one and why, in words an
//! IG officer can read out; and anchors recorded outside the database.

use std::fmt;
use std::str::FromStr;

use super::{EntryRef, GENESIS_HASH};

/// The first entry at which the chain fails, and why, in words that follow
/// "The ledger is broken at entry N: ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many entries the ledger holds.
    pub entries: u64,
    /// `None` when the chain is whole.
    pub first_broken: Option<Broken>,
    /// The newest entry read, to record outside the database as an [`Anchor`].
    pub last: Option<Anchor>,
}

impl VerifyReport {
    pub fn is_whole(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// An entry's number and hash as recorded outside the database by an earlier
/// verify (`SEQ:HASH`). If that entry later has another hash, or is gone, the
/// chain up to it was rewritten or cut short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for Anchor {
    type Err = String;

    fn from_str(s: &str) -> Result<Anchor, String> {
        let bad = || {
            format!("an anchor is SEQ:HASH, an entry number and its 64 hex digit hash (got {s:?})")
        };
        let (seq, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Anchor { seq, hash })
    }
}

/// The chain checks, one entry at a time, apart from the database.
pub(super) struct Checker<'a> {
    anchor: Option<&'a Anchor>,
    entries: u64,
    /// The number and hash of the entry checked last; the hash's buffer is
    /// reused, so checking an entry allocates nothing.
    last: Option<(i64, String)>,
    first_broken: Option<Broken>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(anchor: Option<&'a Anchor>) -> Checker<'a> {
        Checker {
            anchor,
            entries: 0,
            last: None,
            first_broken: None,
        }
    }

    pub(super) fn entry(&mut self, entry: EntryRef<'_>) {
        self.entries += 1;
        if self.first_broken.is_none() {
            self.first_broken = self.check(&entry);
        }
        match &mut self.last {
            Some((seq, hash)) => {
                *seq = entry.seq;
                hash.clear();
                hash.push_str(entry.hash);
            }
            None => self.last = Some((entry.seq, entry.hash.to_string())),
        }
    }

    fn check(&self, entry: &EntryRef<'_>) -> Option<Broken> {
        let (expected, prev_hash) = match &self.last {
            None => (1, GENESIS_HASH),
            Some((seq, hash)) => (seq + 1, hash.as_str()),
        };
        let broken = |seq: i64, reason: String| Some(Broken { seq, reason });
        if entry.seq > expected {
            let reason = match (expected - 1, entry.seq - expected) {
                (0, 1) => format!("it is missing: the ledger starts at entry {}.", entry.seq),
                (0, n) => format!(
                    "it is missing, with the {} after it: the ledger starts at entry {}.",
                    n - 1,
                    entry.seq
                ),
                (before, 1) => format!(
                    "it is missing: entry {before} is followed by entry {}.",
                    entry.seq
                ),
                (before, n) => {
                    format!("it is missing, with the {} after it: entry {before} is followed by entry {}.", n - 1, entry.seq)
                }
            };
            return broken(expected, reason);
        }
        if entry.seq < expected {
            return broken(
                entry.seq,
                format!("it is out of order: it comes after entry {}.", expected - 1),
            );
        }
        if !entry.hash_matches() {
            return broken(entry.seq, "its hash does not match its content.".into());
        }
        if entry.prev_hash != prev_hash {
            let reason = if entry.seq == 1 {
                "it does not start the chain: its previous hash is not 64 zeros.".to_string()
            } else {
                format!(
                    "it does not follow from entry {}: that entry has been changed since this one was written.",
                    entry.seq - 1
                )
            };
            return broken(entry.seq, reason);
        }
        if let Some(anchor) = self.anchor {
            if anchor.seq == entry.seq && anchor.hash != entry.hash {
                return broken(
                    entry.seq,
                    "its hash is not the one recorded for it earlier (the anchor): the chain up to it has been rewritten."
                        .into(),
                );
            }
        }
        None
    }

    pub(super) fn finish(mut self, recorded_head: Option<(i64, String)>) -> VerifyReport {
        if self.first_broken.is_none() {
            self.first_broken = self.check_end(recorded_head);
        }
        VerifyReport {
            entries: self.entries,
            first_broken: self.first_broken,
            last: self.last.map(|(seq, hash)| Anchor { seq, hash }),
        }
    }

    /// What the chain alone cannot show: entries cut off its end.
    fn check_end(&self, recorded_head: Option<(i64, String)>) -> Option<Broken> {
        let last_seq = self.last.as_ref().map_or(0, |(seq, _)| *seq);
        let last_hash = self
            .last
            .as_ref()
            .map_or(GENESIS_HASH, |(_, hash)| hash.as_str());
        let Some((head_seq, head_hash)) = recorded_head else {
            return Some(Broken {
                seq: last_seq + 1,
                reason: format!(
                    "the ledger's record of its newest entry is gone, so entries after {last_seq} may have been removed."
                ),
            });
        };
        if head_seq > last_seq {
            let more = head_seq - last_seq - 1;
            let what = if more == 0 {
                "it is missing".to_string()
            } else {
                format!("it and the {more} after it are missing")
            };
            return Some(Broken {
                seq: last_seq + 1,
                reason: format!(
                    "{what}: the ledger recorded {}, and ends at entry {last_seq}.",
                    entry_count(head_seq)
                ),
            });
        }
        if head_seq < last_seq {
            return Some(Broken {
                seq: head_seq + 1,
                reason: format!(
                    "it was added around the database's checks: the ledger recorded {}, and holds {last_seq}.",
                    entry_count(head_seq)
                ),
            });
        }
        if head_hash != last_hash {
            return Some(Broken {
                seq: last_seq,
                reason: "its hash is not the one the ledger recorded for its newest entry.".into(),
            });
        }
        if let Some(anchor) = self.anchor {
            if anchor.seq > last_seq {
                return Some(Broken {
                    seq: last_seq + 1,
                    reason: format!(
                        "it is missing: the anchor recorded entry {}, and the ledger ends at entry {last_seq}.",
                        anchor.seq
                    ),
                });
            }
        }
        None
    }
}

fn entry_count(n: i64) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{entry_hash, Entry};

    #[test]
    fn anchors_parse_and_print() {
        let hash = "Ab".repeat(32);
        let anchor: Anchor = format!("42:{hash}").parse().unwrap();
        assert_eq!(
            anchor,
            Anchor {
                seq: 42,
                hash: hash.to_ascii_lowercase()
            }
        );
        assert_eq!(anchor.to_string().parse::<Anchor>().unwrap(), anchor);
        for bad in [
            "",
            "42",
            "x:abc",
            &format!("0:{hash}"),
            "42:abc",
            &format!("42:{}", "g".repeat(64)),
        ] {
            assert!(bad.parse::<Anchor>().is_err(), "{bad:?}");
        }
    }

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let data = format!("{{\"n\":{seq}}}");
                let hash = entry_hash(seq, 100 + seq, "k", None, None, &data, &prev);
                let entry = Entry {
                    seq,
                    at: 100 + seq,
                    kind: "k".into(),
                    actor: None,
                    subject: None,
                    data,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    fn check(
        entries: Vec<Entry>,
        head: Option<(i64, String)>,
        anchor: Option<&Anchor>,
    ) -> VerifyReport {
        let mut checker = Checker::new(anchor);
        for entry in entries {
            checker.entry(entry.borrowed());
        }
        checker.finish(head)
    }

    fn head_of(entries: &[Entry]) -> Option<(i64, String)> {
        Some(
            entries
                .last()
                .map_or((0, GENESIS_HASH.into()), |e| (e.seq, e.hash.clone())),
        )
    }

    #[test]
    fn the_checker_names_the_first_broken_entry() {
        let whole = chain(6);
        let head = head_of(&whole);
        assert!(check(whole.clone(), head.clone(), None).is_whole());
        assert!(check(vec![], head_of(&[]), None).is_whole());

        // Content changed: that entry.
        let mut e = whole.clone();
        e[2].kind = "other".into();
        assert_eq!(check(e, head.clone(), None).first_broken.unwrap().seq, 3);

        // Content changed and its hash recomputed: the next entry no longer follows.
        let mut e = whole.clone();
        e[2].data = "{\"n\":99}".into();
        e[2].hash = entry_hash(3, e[2].at, "k", None, None, &e[2].data, &e[2].prev_hash);
        let broken = check(e, head.clone(), None).first_broken.unwrap();
        assert_eq!(broken.seq, 4);
        assert!(
            broken.reason.contains("does not follow from entry 3"),
            "{}",
            broken.reason
        );

        // A middle entry removed: named as missing.
        let mut e = whole.clone();
        e.remove(3);
        let broken = check(e, head.clone(), None).first_broken.unwrap();
        assert_eq!(
            broken,
            Broken {
                seq: 4,
                reason: "it is missing: entry 3 is followed by entry 5.".into()
            }
        );

        // The first entry removed.
        let broken = check(whole[1..].to_vec(), head.clone(), None)
            .first_broken
            .unwrap();
        assert_eq!(broken.seq, 1);

        // Two entries swapped (by number): out of order.
        let mut e = whole.clone();
        e.swap(2, 3);
        assert_eq!(check(e, head.clone(), None).first_broken.unwrap().seq, 3);

        // The last two cut off: the recorded head shows it.
        let broken = check(whole[..4].to_vec(), head.clone(), None)
            .first_broken
            .unwrap();
        assert_eq!(broken.seq, 5);
        assert!(
            broken.reason.contains("it and the 1 after it are missing"),
            "{}",
            broken.reason
        );

        // The head record itself gone.
        assert_eq!(
            check(whole.clone(), None, None).first_broken.unwrap().seq,
            7
        );

        // A rewritten chain, whole in itself, caught by an anchor.
        let rewritten = {
            let mut prev = GENESIS_HASH.to_string();
            let mut e = whole.clone();
            for entry in &mut e {
                if entry.seq == 2 {
                    entry.data = "{\"n\":0}".into();
                }
                entry.prev_hash = prev.clone();
                entry.hash = entry_hash(entry.seq, entry.at, "k", None, None, &entry.data, &prev);
                prev = entry.hash.clone();
            }
            e
        };
        let anchor = Anchor {
            seq: 4,
            hash: whole[3].hash.clone(),
        };
        let rewritten_head = head_of(&rewritten);
        assert!(check(rewritten.clone(), rewritten_head.clone(), None).is_whole());
        assert_eq!(
            check(rewritten, rewritten_head, Some(&anchor))
                .first_broken
                .unwrap()
                .seq,
            4
        );
        // An anchor beyond the end.
        let anchor = Anchor {
            seq: 9,
            hash: "a".repeat(64),
        };
        assert_eq!(
            check(whole, head, Some(&anchor)).first_broken.unwrap().seq,
            7
        );
    }
}
