//! What gives a film, a person or a member a public page, written once, as the SQL conditions
//! every read and the search index test it with.

/// What gives a film a public page: a published review, an entry in a public diary, a place in a
/// published list, a published article about it. Each is the rows that give it, and their film column. The rule is written
/// here alone; `FILM` (a test on one film) and `films::FilmSet::WithPublicPage` (every such
/// film at once) are made from it.
pub(crate) const FILM_BECAUSE: [(&str, &str); 4] = [
    ("reviews pr WHERE pr.status = 'published'", "pr.film_id"),
    ("diary_entries pd JOIN users pu ON pu.id = pd.user_id WHERE pu.diary_public = 1", "pd.film_id"),
    ("list_items pi JOIN lists pl ON pl.id = pi.list_id WHERE pl.published = 1", "pi.film_id"),
    (
        "post_films pf JOIN posts pp ON pp.id = pf.post_id WHERE pp.status = 'published' AND pp.kind = 'article'",
        "pf.film_id",
    ),
];

/// The SQL condition (on films aliased `f`) under which a film has a public page.
pub(crate) static FILM: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let tests: Vec<String> =
        FILM_BECAUSE.iter().map(|(rows, film)| format!("EXISTS (SELECT 1 FROM {rows} AND {film} = f.id)")).collect();
    format!("({})", tests.join(" OR "))
});

/// The SQL condition (on people aliased `p`) under which a person has a public page: a credit
/// on a film with a published review.
pub(crate) const PERSON: &str = "EXISTS (SELECT 1 FROM credits pc JOIN reviews pr ON pr.film_id = pc.film_id \
    AND pr.status = 'published' WHERE pc.person_id = p.id)";

/// The SQL condition (on users aliased `u`) under which a member has a public page: a published
/// review or article, a public diary or a published list. Whoever has none is not known to
/// readers at all.
pub(crate) const MEMBER: &str =
    "(EXISTS (SELECT 1 FROM reviews ur WHERE ur.author_id = u.id AND ur.status = 'published') \
    OR EXISTS (SELECT 1 FROM posts up WHERE up.author_id = u.id AND up.kind = 'article' AND up.status = 'published') \
    OR u.diary_public = 1 OR EXISTS (SELECT 1 FROM lists ul WHERE ul.user_id = u.id AND ul.published = 1))";
