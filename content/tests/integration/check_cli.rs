//! The `content check` contract: the exact JSON shape of requests, responses
//! and errors, and the streaming behaviour of `check_cli::run`.

use content::check_cli::run;
use serde_json::{json, Value};

fn run_str(input: &str, jsonl: bool) -> (i32, Vec<Value>, String) {
    let mut out = Vec::new();
    let code = run(input.as_bytes(), &mut out, jsonl).expect("io");
    let text = String::from_utf8(out).expect("utf-8 output");
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    (code, values, text)
}

fn request(text: &str) -> Value {
    json!({
        "text": text,
        "reader": {"age": 10},
        "people": [
            {"name": "Kayla Walsh", "aliases": ["Kayla"], "role": "child", "recipient": true},
            {"name": "Dean Walsh", "aliases": [], "role": "parent", "recipient": false},
            {"name": "Helen Rowe", "role": "professional", "recipient": false}
        ]
    })
}

#[test]
fn single_request_gets_the_exact_response_shape() {
    let text = "Dean's phone is 07700 900123. The ICPC is soon.";
    let (code, out, raw) = run_str(&request(text).to_string(), false);
    assert_eq!(code, 0);
    assert_eq!(out.len(), 1);
    assert!(
        raw.ends_with('\n') && raw.matches('\n').count() == 1,
        "one line: {raw:?}"
    );
    let r = &out[0];
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3);
    for k in ["findings", "reading_age", "jargon"] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(
        r["findings"],
        json!([
            {"kind": "person", "start": 0, "end": 4, "text": "Dean"},
            {"kind": "phone", "start": 16, "end": 28, "text": "07700 900123"}
        ])
    );
    assert!(r["reading_age"].as_f64().unwrap() > 0.0);
    let jargon = r["jargon"].as_array().unwrap();
    assert_eq!(jargon.len(), 1);
    assert_eq!(jargon[0]["term"], "ICPC");
    assert_eq!(jargon[0]["start"], 34);
    assert_eq!(jargon[0]["end"], 38);
    assert!(jargon[0]["plain"].as_str().unwrap().contains("meeting"));
    let obj = jargon[0].as_object().unwrap();
    assert_eq!(obj.len(), 4);
}

#[test]
fn every_finding_kind_is_spelled_as_documented() {
    let text = "Dean, Mum's friend Tyler, 5 Oak Drive; postcode SW1A 1AA, 07700 900123, dean@example.org, \
                NHS 943 476 5919, NI AB123456C, DOB 01/02/2010.";
    let (_, out, _) = run_str(&request(text).to_string(), false);
    let kinds: Vec<&str> = out[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "person",
            "unknown_person",
            "address",
            "postcode",
            "phone",
            "email",
            "nhs_number",
            "ni_number",
            "date_of_birth"
        ]
    );
}

#[test]
fn single_mode_accepts_pretty_printed_json() {
    let pretty = serde_json::to_string_pretty(&request("Hello Dean.")).unwrap();
    let (code, out, _) = run_str(&pretty, false);
    assert_eq!(code, 0);
    assert_eq!(out[0]["findings"][0]["text"], "Dean");
}

#[test]
fn offsets_are_utf8_bytes() {
    let req = json!({
        "text": "Zoë’s friend Zoë met Dean.",
        "reader": {"age": 30},
        "people": [{"name": "Zoë Carter", "role": "partner", "recipient": false}]
    });
    let (_, out, _) = run_str(&req.to_string(), false);
    let f = &out[0]["findings"];
    assert_eq!(
        f[0],
        json!({"kind": "person", "start": 0, "end": 4, "text": "Zoë"})
    );
    assert_eq!(
        f[1],
        json!({"kind": "person", "start": 16, "end": 20, "text": "Zoë"})
    );
}

#[test]
fn jsonl_answers_every_line_in_order_and_carries_on_after_errors() {
    let lines = [
        request("Dean came.").to_string(),
        "{not json".to_string(),
        json!({"text": "x", "people": []}).to_string(),
        String::new(),
        json!({"text": "x", "reader": {"age": 9}, "people": [{"name": "A B", "recipient": false}]})
            .to_string(),
        json!({"text": "x", "reader": {"age": 9}, "people": [{"name": "A B", "role": "boss", "recipient": false}]})
            .to_string(),
        json!({"text": "x", "reader": {"age": "nine"}, "people": []}).to_string(),
        request("Kayla is fine.").to_string(),
    ];
    let input = lines.join("\n") + "\n";
    let (code, out, _) = run_str(&input, true);
    assert_eq!(code, 1, "an error line makes the exit code 1");
    // The blank line 4 gets no answer; every other line gets one, in order.
    assert_eq!(out.len(), 7);
    assert_eq!(out[0]["findings"][0]["text"], "Dean");
    let err = |i: usize| out[i]["error"].as_str().unwrap().to_string();
    assert!(err(1).starts_with("line 2: invalid JSON: "), "{}", err(1));
    assert!(err(1).contains("column"), "{}", err(1));
    assert_eq!(err(2), "line 3: missing field `reader`");
    assert_eq!(err(3), "line 5: missing field `people[0].role`");
    assert!(
        err(4).starts_with("line 6: people[0].role: unknown variant `boss`"),
        "{}",
        err(4)
    );
    assert!(
        err(5).starts_with("line 7: reader.age: invalid type"),
        "{}",
        err(5)
    );
    assert_eq!(out[6]["findings"], json!([]));
    for o in &out[1..6] {
        assert_eq!(
            o.as_object().unwrap().len(),
            1,
            "error objects hold only `error`"
        );
    }
}

#[test]
fn jsonl_exit_code_is_zero_when_all_lines_answered() {
    let input = format!("{}\n{}\r\n{}", request("a"), request("b"), request("c"));
    let (code, out, _) = run_str(&input, true);
    assert_eq!(code, 0);
    assert_eq!(out.len(), 3, "a last line without a newline is still read");
}

#[test]
fn jsonl_on_empty_input_writes_nothing() {
    let (code, out, _) = run_str("", true);
    assert_eq!((code, out.len()), (0, 0));
}

#[test]
fn single_mode_errors() {
    let (code, out, _) = run_str("", false);
    assert_eq!(code, 1);
    assert_eq!(out[0]["error"], "line 1: no request (empty input)");

    let (code, out, _) = run_str(
        "{\n  \"text\": \"x\",\n  \"reader\": {\"age\": 9}\n}",
        false,
    );
    assert_eq!(code, 1);
    assert_eq!(out[0]["error"], "line 4: missing field `people`");

    let (code, out, _) = run_str("{\"text\": \"x\",\n oops}", false);
    assert_eq!(code, 1);
    assert!(out[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("line 2: invalid JSON"));

    let (code, out, _) = run_str(&format!("{} trailing", request("x")), false);
    assert_eq!(code, 1);
    assert!(
        out[0]["error"].as_str().unwrap().contains("invalid JSON"),
        "{}",
        out[0]
    );
}

#[test]
fn invalid_utf8_is_an_error_line_not_a_crash() {
    let mut input = request("Dean").to_string().into_bytes();
    input.push(b'\n');
    input.extend_from_slice(b"{\"text\": \"\xff\xfe\"}\n");
    input.extend_from_slice(request("Dean").to_string().as_bytes());
    let mut out = Vec::new();
    let code = run(&input[..], &mut out, true).unwrap();
    assert_eq!(code, 1);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["error"], "line 2: input is not valid UTF-8");
    assert_eq!(lines[2]["findings"][0]["text"], "Dean");
}

#[test]
fn aliases_default_to_empty_and_unknown_request_fields_are_ignored() {
    let req = json!({
        "text": "Dean came.",
        "reader": {"age": 30},
        "people": [{"name": "Dean Walsh", "role": "parent", "recipient": false}],
        "labels": []
    });
    let (code, out, _) = run_str(&req.to_string(), false);
    assert_eq!(code, 0);
    assert_eq!(out[0]["findings"][0]["kind"], "person");
}

#[test]
fn a_large_batch_streams_in_one_call() {
    let one = request("Dean rang from 07700 900123 about the CIN plan.").to_string();
    let input: String = (0..2000).map(|_| format!("{one}\n")).collect();
    let (code, out, _) = run_str(&input, true);
    assert_eq!(code, 0);
    assert_eq!(out.len(), 2000);
    assert!(out
        .iter()
        .all(|o| o["findings"].as_array().unwrap().len() == 2));
    assert!(out.iter().all(|o| o["jargon"][0]["term"] == "CIN plan"));
}
