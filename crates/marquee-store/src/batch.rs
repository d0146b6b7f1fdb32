//! What a run of writes in one transaction shares. A bulk import writes thousands of reviews
//! naming the same people, tags, genres and authors: each name is looked up once, and every
//! search document is written once, together, when the run is done (`Batch::finish`), and the
//! content version moves once. A single save is a batch of one.

use crate::{search, Conn, Result};
use std::collections::HashMap;

/// Rows named by a name, each found or added by the same insert-if-absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Named {
    Person,
    Tag,
    Genre,
    Author,
}

/// Rows named in a batch are not deleted, renamed or merged while it is open: it would keep
/// their old ids.
#[derive(Debug, Default)]
pub struct Batch {
    pub(crate) index: search::Pending,
    ids: HashMap<(Named, String), i64>,
    /// Whether the batch changed what the site shows (its content version moves once, at the end).
    pub(crate) changed: bool,
}

impl Batch {
    /// The id of the row called `name`, added when absent; asked of the database once per batch.
    pub(crate) async fn id_of(&mut self, conn: &mut Conn, named: Named, name: &str) -> Result<i64> {
        if let Some(id) = self.ids.get(&(named, name.to_string())) {
            return Ok(*id);
        }
        let id = match named {
            Named::Person => crate::people::ensure(conn, name).await?,
            Named::Tag => crate::films::ensure_named(conn, "tags", name).await?,
            Named::Genre => crate::films::ensure_named(conn, "genres", name).await?,
            Named::Author => crate::users::ensure_author(conn, name).await?,
        };
        self.ids.insert((named, name.to_string()), id);
        Ok(id)
    }

    /// The id of the writer account called `name`, added when absent.
    pub async fn author(&mut self, conn: &mut Conn, name: &str) -> Result<i64> {
        self.id_of(conn, Named::Author, name).await
    }

    /// Writes what the batch left for its end (the search documents, the content version), in
    /// the caller's transaction.
    pub async fn finish(self, conn: &mut Conn) -> Result<()> {
        self.index.write(conn).await?;
        if self.changed {
            crate::content::bump(conn).await?;
        }
        Ok(())
    }
}
