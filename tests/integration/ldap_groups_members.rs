//! Group membership through the `Directory` port: members added and removed idempotently
//! (also concurrently), and the refusal to manage the local-administrators role group.

use super::*;
use zszo_connector::ports::MemberChange;

#[tokio::test]
async fn members_are_added_and_removed_idempotently() {
    let d = directory().await;
    let (school, other) = (
        new_school(&d, "SP członkowie").await,
        new_school(&d, "LO obcy").await,
    );
    let (a, b) = (
        add(&d, &school, "a", "Alfa").await,
        add(&d, &school, "b", "Beta").await,
    );
    let guest = add(&d, &other, "gosc", "Gość").await;
    let g = d
        .create_group(&group(&school, "Projekt", &[]))
        .await
        .unwrap();
    let id = &g.entry.id;

    let after = d
        .modify_group_members(
            id,
            MemberChange {
                add: &ids(&[&a, &guest]),
                remove: &[],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        after.profile.members.len(),
        2,
        "a member from another school is allowed"
    );
    let again = d
        .modify_group_members(
            id,
            MemberChange {
                add: &ids(&[&a]),
                remove: &ids(&[&b]),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        again.profile.members.len(),
        2,
        "adding twice, removing a non-member: no change"
    );
    let after = d
        .modify_group_members(
            id,
            MemberChange {
                add: &ids(&[&b]),
                remove: &ids(&[&a, &guest]),
            },
        )
        .await
        .unwrap();
    assert_eq!(after.profile.members, ids(&[&b]));
    let last = d
        .modify_group_members(
            id,
            MemberChange {
                add: &[],
                remove: &ids(&[&b]),
            },
        )
        .await
        .unwrap();
    assert!(last.profile.members.is_empty());
    assert_eq!(
        members_in_ldap(&g.entry.dn).await,
        [""],
        "the placeholder stays"
    );

    let unknown = "0b2f3c1e-1111-4c4c-8888-123456789abc".to_owned();
    let e = d
        .modify_group_members(
            id,
            MemberChange {
                add: std::slice::from_ref(&unknown),
                remove: &[],
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, DirectoryError::NotFound(ref m) if m.contains("member")),
        "{e}"
    );
    let e = d
        .create_group(&GroupProfile {
            members: vec![unknown.clone()],
            ..group(&school, "Duchy", &[])
        })
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::NotFound(_)), "{e}");
    d.modify_group_members(
        id,
        MemberChange {
            add: &[],
            remove: &[unknown],
        },
    )
    .await
    .unwrap();

    // Concurrent changes of one group each land (a stale Modify is recomputed).
    let (first, second, third) = (ids(&[&a]), ids(&[&b]), ids(&[&a, &guest]));
    let (x, y, z) = tokio::join!(
        d.modify_group_members(
            id,
            MemberChange {
                add: &first,
                remove: &[]
            }
        ),
        d.modify_group_members(
            id,
            MemberChange {
                add: &second,
                remove: &[]
            }
        ),
        d.modify_group_members(
            id,
            MemberChange {
                add: &third,
                remove: &[]
            }
        ),
    );
    x.unwrap();
    y.unwrap();
    z.unwrap();
    let g = d.get_group(id, &SchoolScope::All).await.unwrap().unwrap();
    assert_eq!(g.profile.members.len(), 3);
}
#[tokio::test]
async fn the_local_administrators_group_cannot_be_managed() {
    let d = directory().await;
    let school = new_school(&d, "SP role").await;
    let a = add(&d, &school, "a", "Alfa").await;
    let admins_dn = d.layout().local_admins_dn(&school.code);
    let raw = admin_read(&admins_dn, &["entryUUID"]).await.unwrap();
    let admins = raw["entryUUID"][0].clone();

    assert_eq!(d.get_group(&admins, &SchoolScope::All).await.unwrap(), None);
    let refused = |e: DirectoryError| matches!(e, DirectoryError::InsufficientAccess(ref m) if m.contains("role group"));
    let e = d
        .modify_group_members(
            &admins,
            MemberChange {
                add: &ids(&[&a]),
                remove: &[],
            },
        )
        .await
        .unwrap_err();
    assert!(refused(e));
    let e = d
        .update_group(&admins, &group(&school, "x", &[&a]))
        .await
        .unwrap_err();
    assert!(refused(e));
    assert!(refused(d.delete_group(&admins).await.unwrap_err()));
    let e = d
        .create_group(&group(&school, "Administratorzy-Lokalni", &[&a]))
        .await
        .unwrap_err();
    assert!(refused(e));
    let g = d
        .create_group(&group(&school, "Zwykła", &[]))
        .await
        .unwrap();
    let e = d
        .update_group(
            &g.entry.id,
            &group(&school, "administratorzy-lokalni", &[&a]),
        )
        .await
        .unwrap_err();
    assert!(refused(e));
    assert_eq!(
        members_in_ldap(&admins_dn).await,
        [""],
        "no role was granted"
    );
}
