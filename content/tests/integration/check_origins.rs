//! Names of every origin (issue 13, item 0): people not in the case whose
//! names are not English, found from the world name lists and the shape of a
//! name; the reader's own name is never flagged; places, organisations,
//! professionals and everyday capitalised words stay unflagged.

use content::check::{find, CasePerson, FindingKind, Role};
use FindingKind::*;

fn person(name: &str, role: Role, recipient: bool) -> CasePerson {
    CasePerson {
        name: name.into(),
        aliases: vec![],
        role,
        recipient,
    }
}

fn spans(text: &str, people: &[CasePerson]) -> Vec<(FindingKind, String)> {
    find(text, people)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect()
}

#[track_caller]
fn unknown(text: &str, name: &str) {
    assert_eq!(
        spans(text, &[]),
        vec![(UnknownPerson, name.to_string())],
        "in {text:?}"
    );
}

#[track_caller]
fn nothing(text: &str) {
    assert_eq!(spans(text, &[]), vec![], "in {text:?}");
}

#[test]
fn names_from_the_issue_are_found() {
    for name in [
        "Halina Zielinska",
        "Leena Sasi",
        "Krisztián Szöllösy",
        "Faina D. Yefremova",
        "Santo Armendáriz",
        "Carolyn Page",
        "Brett Jackson",
    ] {
        unknown(&format!("We spoke to {name} about the move."), name);
        unknown(&format!("{name} visited on Tuesday."), name);
    }
}

#[test]
fn particles_apostrophes_hyphens_and_initials() {
    unknown(
        "Dad's cousin is Pieter van der Berg now.",
        "Pieter van der Berg",
    );
    unknown("We met Rosa de la Cruz at school.", "Rosa de la Cruz");
    unknown(
        "The letter was from Siobhan O'Driscoll.",
        "Siobhan O'Driscoll",
    );
    unknown("Ama Mensah-McDonald came too.", "Ama Mensah-McDonald");
    unknown("Then Tamer Z. Eronat arrived.", "Tamer Z. Eronat");
    unknown("We saw Dil'naz Olsuf'eva later.", "Dil'naz Olsuf'eva");
}

#[test]
fn accents_or_a_surname_ending_mark_unlisted_names() {
    unknown("Yesterday Zala Károlyi rang.", "Zala Károlyi");
    unknown("Yesterday Serik Abdrashev rang.", "Serik Abdrashev");
}

#[test]
fn the_reader_is_never_flagged_in_any_form() {
    let people = [
        person("Halina Zielinska", Role::Parent, true),
        person("Faina Yefremova", Role::Child, true),
    ];
    for text in [
        "Halina Zielinska came to the meeting.",
        "Halina said it went well, Zielinska family all well.",
        "HALINA ZIELINSKA signed the plan.",
        "Faina Yefremova and Halina were there.",
    ] {
        assert_eq!(spans(text, &people), vec![], "in {text:?}");
    }
}

#[test]
fn places_organisations_and_professionals_are_not_people() {
    nothing("The family moved from York to Kidderminster last year.");
    nothing("Mum works at Taylor Wimpey on Mondays.");
    nothing("The flat on Killea Plaza has damp.");
    nothing("The referral came from Rathbone Bros last week.");
    nothing("We met at Victoria Park.");
    nothing("Your social worker Katarzyna Nowak will visit.");
    nothing("Dr Oluwaseun Adeyemi saw the baby.");
    nothing("The Child Protection Plan was agreed.");
    nothing("RAG rating: Amber Green");
    nothing("They went to the Albert Hall.");
}

#[test]
fn services_benefits_and_orders_are_not_people() {
    for text in [
        "Children's Services will write to you.",
        "Early Help and the Youth Offending Service met.",
        "The Family Court made a Special Guardianship Order.",
        "She claims Universal Credit and Child Benefit.",
        "Personal Independence Payment was refused.",
        "Citizens Advice helped with Housing Benefit.",
        "Women's Aid and Police Scotland were told.",
        "Leeds City Council and the Job Centre agreed.",
        "Mental Health services and Domestic Abuse support.",
        "The Pupil Premium pays for the trip.",
        "We will meet at Costa Coffee near Marks and Spencer.",
        "Thank you, Best wishes.",
    ] {
        nothing(text);
    }
}
