//! Benchmark of the Markdown renderer (`cargo bench -p content --bench render`).
//!
//! For each shape of input, renders it at one size and at twice that size in
//! the same run and prints the time ratio: about 2 when rendering is linear
//! in the length, about 4 when it grows with the square. Ordinary prose is
//! the baseline. Deep nesting is capped by the renderer (it was quadratic in
//! the sanitiser); a long run of `&` in one paragraph still is, in the
//! sanitiser's HTML parser, and this is where to watch it.
//!
//! No assertion on time: the numbers are printed for people to read.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use content::render::markdown_to_safe_html;

fn time(input: &str) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        black_box(markdown_to_safe_html(black_box(input)));
        best = best.min(started.elapsed());
    }
    best
}

/// A name, and how to make an input of that shape about `n` bytes long.
type Shape = (&'static str, fn(usize) -> String);

fn main() {
    let shapes: [Shape; 5] = [
        ("prose (baseline)", |n| {
            "Your worker will visit every two weeks and you can talk about school. ".repeat(n / 70)
        }),
        ("nested quotes", |n| "> ".repeat(n / 2) + "x"),
        ("nested lists", |n| "- ".repeat(n / 2) + "x"),
        ("runs of &", |n| "&".repeat(n)),
        ("runs of <", |n| "<".repeat(n)),
    ];
    println!(
        "{:<18} {:>10} {:>12} {:>12} {:>7}",
        "input", "bytes", "time", "time at 2x", "ratio"
    );
    for (name, make) in shapes {
        let size = 20_000;
        let one = time(&make(size));
        let two = time(&make(size * 2));
        println!(
            "{name:<18} {size:>10} {:>12.2?} {:>12.2?} {:>7.2}",
            one,
            two,
            two.as_secs_f64() / one.as_secs_f64()
        );
    }
}
