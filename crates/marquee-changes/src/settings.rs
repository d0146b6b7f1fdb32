//! The site's settings, as its owner sets them: title, description, accent colour, verdict bands,
//! whether feeds carry whole reviews, and where the home page shows articles.

use crate::{Desk, Member, Result};
use marquee_core::{Action, Colour, Title, VerdictBands};
use marquee_store::{audit, settings};

#[derive(Clone, Debug)]
pub struct SiteSettings {
    pub title: Title,
    pub description: String,
    pub accent: Colour,
    pub bands: VerdictBands,
    /// Whole reviews in feeds (or only their summaries).
    pub feed_full: bool,
    /// Articles among the reviews on the home page (or in a section of their own).
    pub home_mixed: bool,
}

/// Saves the site's settings; the activity log names the ones that changed.
pub async fn save(desk: &Desk, member: &Member, new: &SiteSettings) -> Result<()> {
    member.require(Action::ManageSettings)?;
    let before = settings::all(&desk.store).await?;
    let bands = serde_json::to_string(&new.bands).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?;
    let values = [
        ("title", new.title.as_str().to_string()),
        ("description", new.description.trim().to_string()),
        ("accent", new.accent.as_str().to_string()),
        ("verdict_bands", bands),
        ("feed_content", if new.feed_full { "full" } else { "summary" }.to_string()),
        ("home_articles", if new.home_mixed { "mixed" } else { "section" }.to_string()),
    ];
    let changed: Vec<&str> =
        values.iter().filter(|(key, value)| before.get(*key) != Some(value)).map(|(key, _)| *key).collect();
    let mut tx = desk.store.begin().await?;
    settings::set_all(&mut tx, &values).await?;
    audit::record(&mut tx, member.id, &member.name, "settings.changed", "site settings", &changed.join(", ")).await?;
    tx.commit().await?;
    Ok(())
}
