//! My cases: the practitioner's own cases at a glance.

use super::*;

pub(super) async fn my_cases(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    let now = now();
    let visible = access::visible_cases(&state.db, &user.staff).await?;
    let mine: Vec<Case> = visible
        .into_iter()
        .filter(|(_, a)| *a == Access::Act)
        .map(|(c, _)| c)
        .collect();
    let waiting = if user.staff.has(Role::Manager) {
        Some(
            crate::publishing::with_status(&state.db, Status::Submitted)
                .await?
                .len(),
        )
    } else {
        None
    };
    let mut sections = Vec::new();
    for case in &mine {
        let drafts = crate::publishing::of_case(&state.db, case.id).await?;
        let family = family(&state, case.id).await?;
        let events = events_of_case(&state, case.id).await?;
        let seen = seen_seq(&state, &user.staff.id, case.id).await?;
        let unread = events.iter().filter(|e| e.seq > seen).count();
        let told = crate::voice::of_case(&state.db, case.id).await?;
        let to_act: Vec<_> = told
            .iter()
            .filter(|r| r.handled_at.is_none() && r.decision.is_none())
            .collect();
        let mut access = Vec::new();
        for person in crate::cases::people(&state, case).await? {
            let status = crate::cases::portal_access(&state, &person, now).await?;
            access.push((person.name, person.role, status.label()));
        }
        sections.push(html! {
            section class="case-summary" {
                h2 { a href=(case_href(&case.reference)) { "Case " (case.reference) } }
                p class="hint" { (case.team) }
                p {
                    @if unread > 0 { strong { (unread) " new from the family" } " – " }
                    a href={ (case_href(&case.reference)) "/publishing" } { "Drafts, publications and what came back" }
                }
                @if !to_act.is_empty() {
                    p {
                        strong { (to_act.len()) " from the family to act on" }
                        " (newest: " (to_act[0].kind_label()) ", " (views::when(to_act[0].received_at)) ") – "
                        a href={ (case_href(&case.reference)) "#contributions" } { "What the family told us" }
                    }
                }
                table class="table" {
                    caption { "Who has FamilyStory" }
                    thead { tr { th scope="col" { "Family member" } th scope="col" { "Role" } th scope="col" { "Access" } } }
                    tbody { @for (name, role, status) in &access { tr { td { (name) } td { (role_label(role)) } td { (status) } } } }
                }
                h3 { "Published" }
                (publications_table(case, &drafts, &family, &events))
                h3 { "Drafts in progress" }
                (drafts_in_progress(case, &drafts, &family))
            }
        });
    }
    Ok(views::page(
        &user,
        "My cases",
        html! {
            (styles())
            h1 { "My cases" }
            @if let Some(n) = waiting {
                p class="inset" { a href="/approvals" { (n) " waiting for approval" } }
            }
            @if sections.is_empty() {
                p { "You hold no cases. Cases allocated to you in the case system appear here once they are imported." }
            }
            @for s in sections { (s) }
        },
    ))
}
