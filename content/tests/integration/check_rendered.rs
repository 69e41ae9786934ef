//! The check reads what the family will read (issue 13, item 1): a name
//! hidden by Markdown, entities, HTML comments, invisible characters or
//! look-alike letters is found, its byte range covers the name in the
//! Markdown source, and the reader's own name in the same forms is not
//! flagged. Also the `--jsonl` command reports the same offsets.

use content::check::{find, CasePerson, FindingKind, Role};

fn case() -> Vec<CasePerson> {
    let p = |name: &str, role, recipient| CasePerson {
        name: name.into(),
        aliases: vec![],
        role,
        recipient,
    };
    vec![
        p("Kayla Walsh", Role::Child, true),
        p("Dean Walsh", Role::Parent, false),
        p("Helen Rowe", Role::Professional, false),
    ]
}

/// Every way of writing a word that the family still reads as the word:
/// (form of "Dean", form of "Kayla", the source span a finding must be).
fn forms() -> Vec<(String, String, &'static str)> {
    let cyrillic_dean = "D\u{0435}\u{0430}n"; // Cyrillic е and а
    vec![
        ("_Dean_".into(), "_Kayla_".into(), "Dean"),
        // Escaped underscores are shown as they are: the family reads "_Dean_".
        (r"\_Dean\_".into(), r"\_Kayla\_".into(), "Dean"),
        (r"\_\_Dean\_\_".into(), r"\_\_Kayla\_\_".into(), "Dean"),
        ("**Dean**".into(), "**Kayla**".into(), "Dean"),
        (
            "[Dean](https://example.org/)".into(),
            "[Kayla](https://example.org/)".into(),
            "Dean",
        ),
        ("Dea&#110;".into(), "Kayl&#97;".into(), "Dea&#110;"),
        ("Dea&#x6E;".into(), "Kayl&#x61;".into(), "Dea&#x6E;"),
        (
            "D<!-- -->ean".into(),
            "K<!-- -->ayla".into(),
            "D<!-- -->ean",
        ),
        (
            "D<span>ean</span>".into(),
            "K<span>ayla</span>".into(),
            "D<span>ean",
        ),
        ("De\u{AD}an".into(), "Kay\u{AD}la".into(), "De\u{AD}an"),
        (
            "De\u{200B}an".into(),
            "Kay\u{200B}la".into(),
            "De\u{200B}an",
        ),
        (
            "D\u{2060}ean".into(),
            "K\u{2060}ayla".into(),
            "D\u{2060}ean",
        ),
        (
            cyrillic_dean.into(),
            "K\u{0430}yl\u{0430}".into(),
            cyrillic_dean,
        ),
        ("Ｄｅａｎ".into(), "Ｋａｙｌａ".into(), "Ｄｅａｎ"),
        (
            "![Dean at the park](https://example.org/p.png)".into(),
            "![Kayla at the park](https://example.org/p.png)".into(),
            "Dean",
        ),
        ("De*an*".into(), "Ka*yla*".into(), "De*an*"),
        ("`Dean`".into(), "`Kayla`".into(), "Dean"),
    ]
}

#[test]
fn every_evasion_form_is_found_and_covers_the_name_in_the_source() {
    let people = case();
    for (dean, _, span) in forms() {
        let text = format!("We talked to {dean} about school.");
        let found = find(&text, &people);
        let start = text.find(span).expect("span in text");
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.kind, f.start, f.end, f.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(FindingKind::Person, start, start + span.len(), span)],
            "in {text:?}"
        );
    }
}

#[test]
fn the_readers_own_name_in_every_form_is_not_flagged() {
    let people = case();
    for (_, kayla, _) in forms() {
        let text = format!("We talked to {kayla} about school.");
        assert_eq!(find(&text, &people), vec![], "in {text:?}");
    }
}

#[test]
fn a_name_between_escaped_underscores_is_found_in_a_list_and_a_heading() {
    let people = case();
    let text = "## About \\_Dean\\_\n\n- \\_Dean Walsh\\_'s flat\n- Dean\\_Walsh\n";
    let found = find(text, &people);
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.kind, &text[f.start..f.end]))
        .collect();
    assert_eq!(
        got,
        vec![
            (FindingKind::Person, "Dean"),
            (FindingKind::Person, "Dean Walsh"),
            (FindingKind::Person, "Dean"),
            (FindingKind::Person, "Walsh"),
        ],
        "in {text:?}"
    );
}

#[test]
fn full_names_and_professionals_in_markup() {
    let people = case();
    let text = "Mum and **Dean Walsh** met _Helen Rowe_ and [Kayla](https://example.org/).";
    let got: Vec<_> = find(text, &people)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect();
    assert_eq!(got, vec![(FindingKind::Person, "Dean Walsh".to_string())]);
}

#[test]
fn a_link_destination_is_read_too() {
    let text = "Write to [his new address](mailto:tyler.price@example.org) today.";
    let found = find(text, &[]);
    let start = text.find("tyler.price@example.org").unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.kind == FindingKind::Email && f.start == start),
        "{found:?}"
    );
}

#[test]
fn blocks_do_not_run_together() {
    // A heading and the paragraph after it are apart once rendered.
    let people = case();
    let text = "## Dean\n\nWalsh Road is closed.";
    let got: Vec<_> = find(text, &people).into_iter().map(|f| f.text).collect();
    assert_eq!(got, vec!["Dean".to_string()]);
}

#[test]
fn jsonl_offsets_are_offsets_into_the_requests_text() {
    let text = "We met Dea&#110; and D<!-- -->ean today.";
    let req = serde_json::json!({
        "text": text,
        "reader": {"age": 10},
        "people": [{"name": "Dean Walsh", "role": "parent", "recipient": false}]
    });
    let mut input = serde_json::to_vec(&req).unwrap();
    input.push(b'\n');
    let mut output = Vec::new();
    let code = content::check_cli::run(&input[..], &mut output, true).unwrap();
    assert_eq!(code, 0);
    let resp: serde_json::Value = serde_json::from_slice(&output).unwrap();
    let spans: Vec<(u64, u64, String)> = resp["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"].as_u64().unwrap(),
                f["end"].as_u64().unwrap(),
                f["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let a = text.find("Dea&#110;").unwrap() as u64;
    let b = text.find("D<!--").unwrap() as u64;
    assert_eq!(
        spans,
        vec![
            (a, a + 9, "Dea&#110;".to_string()),
            (b, b + 12, "D<!-- -->ean".to_string())
        ]
    );
}

#[test]
fn a_long_marked_up_text_gives_sorted_findings_that_match_the_source() {
    let people = case();
    let mut text = String::new();
    for (k, (dean, kayla, _)) in forms().into_iter().enumerate().cycle().take(2_000) {
        text.push_str(&format!(
            "{k}. {dean} and {kayla} met **Tyler Price** at 14 Canal Side, Leeds LS1 4AB.\n"
        ));
    }
    let found = find(&text, &people);
    assert!(found.len() >= 4_000, "{} findings", found.len());
    for w in found.windows(2) {
        assert!(w[0].end <= w[1].start, "{:?} then {:?}", w[0], w[1]);
    }
    for f in &found {
        assert_eq!(&text[f.start..f.end], f.text);
        assert!(!f.text.contains("Kayla") && !f.text.contains("Kayl&"));
    }
}

#[test]
fn what_markup_hides_from_the_page_is_still_flagged_in_the_source() {
    // The family never sees a comment or a link reference, but the Markdown
    // crosses to the portal as it is: the check of the text as written
    // still flags what is in them.
    let people = case();
    let text = "See you soon.\n\n<!-- Dean Walsh moved to 14 Mill Lane, Hull HU4 1QZ -->";
    let got: Vec<_> = find(text, &people)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect();
    assert_eq!(
        got,
        vec![
            (FindingKind::Person, "Dean Walsh".to_string()),
            (
                FindingKind::Address,
                "14 Mill Lane, Hull HU4 1QZ".to_string()
            )
        ]
    );
}
