//! Scores the check on the labelled examples in `tests/data/redaction-examples.jsonl`
//! (a copy, kept in the repository, of the project's shared examples):
//! every label must be found with the same kind and exact span, and no `keep`
//! span may be touched by any finding.

use content::check::{check, CheckRequest, Finding};
use serde::Deserialize;

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/redaction-examples.jsonl"
);

#[derive(Deserialize)]
struct Example {
    request: CheckRequest,
    labels: Vec<Label>,
    keep: Vec<Keep>,
}

#[derive(Deserialize)]
struct Label {
    kind: String,
    start: usize,
    end: usize,
    text: String,
}

#[derive(Deserialize)]
struct Keep {
    why: String,
    start: usize,
    end: usize,
    text: String,
}

fn kind_name(f: &Finding) -> String {
    serde_json::to_value(f.kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_labelled_example_is_scored_and_passes() {
    let data =
        std::fs::read_to_string(EXAMPLES).unwrap_or_else(|e| panic!("cannot read {EXAMPLES}: {e}"));
    let mut examples = 0;
    let mut labels = 0;
    let mut keeps = 0;
    let mut problems = Vec::new();
    for (n, line) in data.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ex: Example = serde_json::from_str(line).expect("example parses");
        examples += 1;
        let text = &ex.request.text;
        let resp = check(&ex.request);
        // The findings are well-formed.
        for w in resp.findings.windows(2) {
            assert!(
                w[0].end <= w[1].start,
                "line {}: overlapping or unsorted findings",
                n + 1
            );
        }
        for f in &resp.findings {
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
            assert_eq!(&text[f.start..f.end], f.text);
        }
        for l in &ex.labels {
            labels += 1;
            assert_eq!(&text[l.start..l.end], l.text, "label text matches its span");
            let found = resp
                .findings
                .iter()
                .any(|f| f.start == l.start && f.end == l.end && kind_name(f) == l.kind);
            if !found {
                let near: Vec<_> = resp
                    .findings
                    .iter()
                    .filter(|f| f.start < l.end + 20 && f.end + 20 > l.start)
                    .map(|f| format!("{}:{:?}", kind_name(f), f.text))
                    .collect();
                problems.push(format!(
                    "line {}: missed {} {:?} [{}..{}]; near: {near:?}",
                    n + 1,
                    l.kind,
                    l.text,
                    l.start,
                    l.end
                ));
            }
        }
        for k in &ex.keep {
            keeps += 1;
            assert_eq!(&text[k.start..k.end], k.text, "keep text matches its span");
            for f in &resp.findings {
                if f.start < k.end && k.start < f.end {
                    problems.push(format!(
                        "line {}: flagged kept {} {:?} as {} {:?}",
                        n + 1,
                        k.why,
                        k.text,
                        kind_name(f),
                        f.text
                    ));
                }
            }
        }
    }
    assert!(
        examples >= 40,
        "expected the 40 labelled examples, read {examples}"
    );
    assert!(labels > 300 && keeps > 100);
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
