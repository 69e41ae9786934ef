//! Benchmark of the redaction check (`cargo bench -p content`).
//!
//! Builds a synthetic bundle of case notes (over 10 MB, every name invented)
//! and reports:
//! - recall and precision of names of every origin on
//!   `tests/data/names-eval.jsonl` (independent material, see
//!   `tests/support/names_eval.rs`);
//! - documents per second and MB/s for `check` on each document with its
//!   case's people (findings, reading age and jargon);
//! - the same through `check_cli::run` in JSON-lines mode (parse, check,
//!   serialise), as `familystory content check --jsonl` runs it;
//! - time per MB for one 1 MB text and one 10 MB text in the same run, and
//!   their ratio: about 1.0 when the check is linear in the length of the
//!   text.
//!
//! Times are the thread's CPU time where Linux reports it (see [`Clock`]), so
//! that other work on a shared machine does not count. No assertion on
//! time: the numbers are printed for people to read.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use content::check::{check, find, CasePerson, CheckRequest, Reader, Role};

#[path = "../tests/support/names_eval.rs"]
mod names_eval;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "Dean",
    "Zoë",
    "Łukasz",
    "Siobhan",
    "Oluwaseun",
    "Kayla",
    "Mason",
    "Tyler",
    "Priya",
    "Aoife",
    "Tomasz",
    "Reece",
    "Chloe",
    "Demi",
    "Fatima",
    "Jordan",
    "Paige",
    "Connor",
];
const SURNAMES: &[&str] = &[
    "Walsh",
    "Szymańska",
    "Smith-Patel",
    "O'Sullivan",
    "Lloyd-Jones",
    "Nowak",
    "Ahmed",
    "Okafor",
    "Kelly",
    "Murphy",
    "Hughes",
    "Carter",
];
const SENTENCES: &[&str] = &[
    "During the home visit {P} said things at home had been calmer this month.",
    "We talked about {P}'s drinking and how it makes you feel.",
    "{P}'s mobile number is 07700 900{N3}.",
    "{P} has moved to {N2} Mill Lane, Hull HU4 1QZ.",
    "Mum's friend Tyler stayed over at the weekend.",
    "The review meeting starts at 10:30 in room 4.",
    "Case reference 8812{N3}4 was updated on 15 November 2026.",
    "NHS number 943 476 5919 was checked with the GP.",
    "National Insurance number: AB 12 34 56 C.",
    "{P} (date of birth 16/10/2009) was at the meeting.",
    "The core group agreed that the CP plan should continue until the next RCPC.",
    "Supervised contact will take place at the contact centre every Saturday.",
    "Your worker Helen will visit again before the review.",
    "Contact email for {P}: someone{N2}@example.com.",
    "{P} and {P} both want to come to the meeting.",
    "School say attendance has improved and the PEP has been updated.",
    "You can ring (0161) 496 0{N3} if you are worried.",
];

fn family(rng: &mut Rng) -> Vec<CasePerson> {
    let surname = rng.pick(SURNAMES);
    let roles = [
        (Role::Child, true),
        (Role::Sibling, false),
        (Role::Parent, false),
        (Role::Parent, false),
        (Role::Partner, false),
        (Role::Relative, false),
    ];
    let mut people: Vec<CasePerson> = roles
        .iter()
        .enumerate()
        .map(|(i, &(role, recipient))| {
            let given = GIVEN[(rng.below(GIVEN.len()) + i) % GIVEN.len()];
            let s = if i < 3 { surname } else { rng.pick(SURNAMES) };
            CasePerson {
                name: format!("{given} {s}"),
                aliases: vec![given.to_string()],
                role,
                recipient,
            }
        })
        .collect();
    people.push(CasePerson {
        name: "Helen Rowe".into(),
        aliases: vec!["Helen".into()],
        role: Role::Professional,
        recipient: false,
    });
    people
}

fn document(rng: &mut Rng, people: &[CasePerson], bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 200);
    while text.len() < bytes {
        if rng.below(8) == 0 {
            text.push_str("\n\n## What we are worried about\n\n");
        }
        let s = rng.pick(SENTENCES);
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find('}').unwrap() + i;
            match &rest[i + 1..end] {
                "P" => {
                    let p = &people[1 + rng.below(people.len() - 2)];
                    if rng.below(2) == 0 {
                        out.push_str(&p.name);
                    } else {
                        out.push_str(&p.aliases[0]);
                    }
                }
                "N2" => out.push_str(&format!("{:02}", rng.below(100))),
                "N3" => out.push_str(&format!("{:03}", rng.below(1000))),
                _ => {}
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        text.push_str(&out);
        text.push(' ');
    }
    text
}

/// Sentences of a short case note; {P} is a person of the case, {U} a
/// name of another origin.
const NOTE_SENTENCES: &[&str] = &[
    "{P} said things at home had been calmer this week.",
    "We talked about {P}'s drinking and how it makes you feel.",
    "{P} has been staying with {U} since the summer.",
    "Contact with {P} will be at the family centre on Saturday.",
    "{P}'s mobile number is 07700 900{N3}.",
    "School said {P} was late twice and the PEP was updated.",
    "Your worker Helen will visit before the review.",
];

/// Writes a name the way the evasion forms do: `**Dean**`, `_Dean_`,
/// `[Dean](…)`, an entity, a comment, a soft hyphen, a zero-width space,
/// Cyrillic letters, alt text, split emphasis.
fn evade(rng: &mut Rng, name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().unwrap_or('x');
    let rest: String = chars.collect();
    match rng.below(10) {
        0 => format!("**{name}**"),
        1 => format!("_{name}_"),
        2 => format!("[{name}](https://example.org/)"),
        3 => format!("&#{};{rest}", first as u32),
        4 => format!("{first}<!-- -->{rest}"),
        5 => format!("{first}\u{ad}{rest}"),
        6 => format!("{first}\u{200b}{rest}"),
        7 => name.replace('a', "\u{430}").replace('e', "\u{435}"),
        8 => format!("![{name}](https://example.org/p.png)"),
        _ => format!("{first}*{rest}*"),
    }
}

/// Requests of 300-600 bytes with 6-10 people each, as JSON lines: the
/// notes as written, and the same notes with every name in an evasion form.
fn short_notes(rng: &mut Rng, count: usize) -> (Vec<u8>, Vec<u8>) {
    const OTHERS: &[&str] = &[
        "Halina Zielinska",
        "Leena Sasi",
        "Santo Armendáriz",
        "Brett Jackson",
    ];
    let (mut plain, mut evasive) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let mut people = family(rng);
        people.truncate(5 + rng.below(5));
        let (mut a, mut b) = (String::new(), String::new());
        while a.len() < 300 + rng.below(300) {
            let s = rng.pick(NOTE_SENTENCES);
            for (k, part) in s.split(['{', '}']).enumerate() {
                match (k % 2, part) {
                    (0, text) => {
                        a.push_str(text);
                        b.push_str(text);
                    }
                    (_, "P") => {
                        let p = &people[1 + rng.below(people.len() - 1)];
                        a.push_str(&p.aliases[0]);
                        b.push_str(&evade(rng, &p.aliases[0]));
                    }
                    (_, "U") => {
                        let u = rng.pick(OTHERS);
                        a.push_str(u);
                        b.push_str(&evade(rng, u));
                    }
                    (_, _) => {
                        let n = format!("{:03}", rng.below(1000));
                        a.push_str(&n);
                        b.push_str(&n);
                    }
                }
            }
            a.push(' ');
            b.push(' ');
        }
        for (text, out) in [(a, &mut plain), (b, &mut evasive)] {
            let req = CheckRequest {
                text,
                reader: Reader { age: 12 },
                people: people.clone(),
            };
            serde_json::to_writer(&mut *out, &req).unwrap();
            out.push(b'\n');
        }
    }
    (plain, evasive)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Time this thread has spent on a core, where Linux says so
/// (`/proc/thread-self/schedstat`), else time on the wall clock. On a
/// machine shared with other builds the wall clock also counts the time the
/// benchmark waited for a core; the goals are for one core.
struct Clock {
    wall: Instant,
    cpu: Option<u64>,
}

fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: cpu_ns(),
        }
    }
    fn elapsed(&self) -> Duration {
        match (self.cpu, cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b.saturating_sub(a)),
            _ => self.wall.elapsed(),
        }
    }
}

/// The best of `runs` timings of `f`.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Clock::start();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep it quick then.
    let quick = !std::env::args().any(|a| a == "--bench");

    // 0. Names of every origin on independent material (Mimesis, fixed seed).
    let score = names_eval::score();
    println!(
        "names of every origin: {} names, recall {:.3}, precision {:.3} ({} flagged)",
        score.names,
        score.recall(),
        score.precision(),
        score.flagged
    );
    println!(
        "times are {} (best of several runs)",
        if cpu_ns().is_some() {
            "on one core: this thread's CPU time"
        } else {
            "wall-clock"
        }
    );
    let target = if quick { 1_000_000 } else { 10_500_000 };
    let mut rng = Rng(0x00c0_ffee_1234_5678);

    // The bundle: many documents of 2-6 KB, one family per case of 5 documents.
    let mut docs: Vec<CheckRequest> = Vec::new();
    let mut total = 0;
    while total < target {
        let people = family(&mut rng);
        for _ in 0..5 {
            let size = 2_000 + rng.below(4_000);
            let text = document(&mut rng, &people, size);
            total += text.len();
            docs.push(CheckRequest {
                text,
                reader: Reader {
                    age: 8 + rng.below(10) as u32,
                },
                people: people.clone(),
            });
        }
    }
    println!("bundle: {} documents, {:.1} MB", docs.len(), mb(total));

    // 1. check() per document.
    let mut findings = 0usize;
    let elapsed = best_of(if quick { 1 } else { 3 }, || {
        findings = 0;
        for d in &docs {
            findings += black_box(check(d)).findings.len();
        }
    });
    let secs = elapsed.as_secs_f64();
    println!(
        "check, per document:   {:>9.0} documents/s  {:>7.2} MB/s  ({findings} findings, {:.2} s)",
        docs.len() as f64 / secs,
        mb(total) / secs,
        secs
    );

    // 2. The command's JSON-lines stream over the whole bundle.
    let mut input = Vec::with_capacity(total + docs.len() * 600);
    for d in &docs {
        serde_json::to_writer(&mut input, d).unwrap();
        input.push(b'\n');
    }
    let mut output = Vec::with_capacity(input.len());
    let elapsed = best_of(if quick { 1 } else { 2 }, || {
        output.clear();
        let code = content::check_cli::run(&input[..], &mut output, true).unwrap();
        assert_eq!(code, 0);
    });
    let secs = elapsed.as_secs_f64();
    println!(
        "check --jsonl stream:  {:>9.0} documents/s  {:>7.2} MB/s of input  ({:.2} s)",
        docs.len() as f64 / secs,
        mb(input.len()) / secs,
        secs
    );

    // 3. Short case notes (a few hundred bytes, 6-10 people a request)
    //    through the command, plain and with every evasion form.
    let (plain, evasive) = short_notes(&mut rng, if quick { 2_000 } else { 20_000 });
    let mut rates = Vec::new();
    for (label, input) in [("plain", &plain), ("evasion forms", &evasive)] {
        let mut output = Vec::with_capacity(input.len() * 2);
        let elapsed = best_of(if quick { 1 } else { 3 }, || {
            output.clear();
            let code = content::check_cli::run(&input[..], &mut output, true).unwrap();
            assert_eq!(code, 0);
        });
        let secs = elapsed.as_secs_f64();
        rates.push(mb(input.len()) / secs);
        println!(
            "short notes --jsonl, {label:<13} {:>7.2} MB/s of input  ({:.1} MB, {:.2} s)",
            mb(input.len()) / secs,
            mb(input.len()),
            secs
        );
    }
    println!(
        "short notes: evasion forms cost {:.2}x the plain check",
        rates[0] / rates[1]
    );

    // 4. Linearity: one text of 1 MB and one of 10 MB (concatenated
    //    documents), the findings only, with one case's people.
    let people = docs[0].people.clone();
    let mut big = String::with_capacity(total + docs.len());
    for d in &docs {
        big.push_str(&d.text);
        big.push('\n');
    }
    let cut = |n: usize| {
        let mut end = n.min(big.len());
        while !big.is_char_boundary(end) {
            end -= 1;
        }
        &big[..end]
    };
    // Interleaved rounds, best of each size, so that a busy machine skews
    // every size alike.
    let sizes: Vec<usize> = if quick {
        vec![1_000_000]
    } else {
        vec![1_000_000, 2_000_000, 5_000_000, 10_000_000]
    };
    let texts: Vec<&str> = sizes.iter().map(|&n| cut(n)).collect();
    let mut best = vec![Duration::MAX; texts.len()];
    for _ in 0..if quick { 1 } else { 4 } {
        for (k, t) in texts.iter().enumerate() {
            let started = Clock::start();
            black_box(find(t, &people));
            best[k] = best[k].min(started.elapsed());
        }
    }
    let per_mb: Vec<f64> = texts
        .iter()
        .zip(&best)
        .map(|(t, d)| d.as_secs_f64() / mb(t.len()))
        .collect();
    for ((t, d), p) in texts.iter().zip(&best).zip(&per_mb) {
        println!(
            "one text of {:>4.1} MB: {:>8.1} ms  ({:>5.1} ms/MB, {:>6.2} MB/s)",
            mb(t.len()),
            d.as_secs_f64() * 1000.0,
            p * 1000.0,
            1.0 / p
        );
    }
    println!(
        "time per MB, {:.0} MB vs 1 MB: {:.2} (1.0 = linear)",
        mb(texts[texts.len() - 1].len()),
        per_mb[per_mb.len() - 1] / per_mb[0]
    );
}
