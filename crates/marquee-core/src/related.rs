//! "Keep exploring": which published reviews relate to a review, from shared directors, cast,
//! genres and year, and the similarity of the review texts (TF-IDF cosine).

use std::collections::HashMap;

/// What relatedness is judged on, for one published review.
#[derive(Clone, Debug, Default)]
pub struct ReviewFeatures {
    pub review_id: i64,
    pub film_id: i64,
    pub year: Option<i32>,
    pub directors: Vec<i64>,
    /// Top-billed cast, in billing order.
    pub cast: Vec<i64>,
    pub genres: Vec<i64>,
    pub text: String,
}

/// Weights of each kind of link between two reviews.
const DIRECTOR: f32 = 3.0;
const CAST: f32 = 1.5;
const GENRE: f32 = 1.0;
const SAME_YEAR: f32 = 1.0;
const NEAR_YEAR: f32 = 0.5;
const TEXT: f32 = 4.0;
const CAST_CONSIDERED: usize = 6;

/// A precomputed index over all published reviews; built once per content change, queried per
/// review page render.
pub struct RelatedIndex {
    items: Vec<Item>,
    by_review: HashMap<i64, usize>,
    /// How many distinct terms the texts have.
    terms: usize,
}

struct Item {
    features: ReviewFeatures,
    /// Unit-length TF-IDF vector, sorted by term id.
    vector: Vec<(u32, f32)>,
}

impl RelatedIndex {
    pub fn build(mut reviews: Vec<ReviewFeatures>) -> RelatedIndex {
        // Each person and genre counts once (someone credited twice is not shared twice), and
        // only the top-billed cast: so relatedness is the same both ways, to the last bit.
        for review in &mut reviews {
            review.directors.sort_unstable();
            review.directors.dedup();
            review.genres.sort_unstable();
            review.genres.dedup();
            let mut seen = std::collections::HashSet::new();
            review.cast.retain(|id| seen.insert(*id));
            review.cast.truncate(CAST_CONSIDERED);
        }
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let mut document_frequency: Vec<u32> = Vec::new();
        let mut term_counts: Vec<HashMap<u32, u32>> = Vec::with_capacity(reviews.len());
        for review in &reviews {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for word in terms(&review.text) {
                let next_id = vocabulary.len() as u32;
                let id = *vocabulary.entry(word).or_insert(next_id);
                if id as usize == document_frequency.len() {
                    document_frequency.push(0);
                }
                *counts.entry(id).or_insert(0) += 1;
            }
            for id in counts.keys() {
                document_frequency[*id as usize] += 1;
            }
            term_counts.push(counts);
        }
        let documents = reviews.len().max(1) as f32;
        let items: Vec<Item> = reviews
            .into_iter()
            .zip(term_counts)
            .map(|(mut features, counts)| {
                // The text is in the vector now; kept, it would hold every review's words.
                features.text = String::new();
                let mut vector: Vec<(u32, f32)> = counts
                    .into_iter()
                    .map(|(id, count)| {
                        let idf = (documents / document_frequency[id as usize] as f32).ln() + 1.0;
                        (id, (1.0 + (count as f32).ln()) * idf)
                    })
                    .collect();
                // Summed in term order, not the map's: the same reviews give the same weights
                // to the last bit in every process, so related reviews never swap between runs.
                vector.sort_unstable_by_key(|(id, _)| *id);
                let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    vector.iter_mut().for_each(|(_, w)| *w /= norm);
                }
                Item { features, vector }
            })
            .collect();
        let by_review = items.iter().enumerate().map(|(i, item)| (item.features.review_id, i)).collect();
        RelatedIndex { items, by_review, terms: document_frequency.len() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Up to `limit` review ids most related to `review_id`, best first; never the review
    /// itself, and only reviews in the index (published ones). Ties go to the lower id.
    pub fn related(&self, review_id: i64, limit: usize) -> Vec<i64> {
        let Some(&index) = self.by_review.get(&review_id) else {
            return Vec::new();
        };
        let target = &self.items[index];
        // The target's weights laid out by term: each other text's dot product with it is then
        // a pass over that text's terms, not a merge of two lists.
        let mut weights = vec![0.0f32; self.terms];
        for (term, weight) in &target.vector {
            weights[*term as usize] = *weight;
        }
        let mut scored: Vec<(f32, i64)> = self
            .items
            .iter()
            .filter(|other| other.features.review_id != review_id)
            .map(|other| (relatedness(target, &weights, other), other.features.review_id))
            .filter(|(score, _)| *score > 0.0)
            .collect();
        // Only the best `limit` are ordered: a page asks for six of thousands.
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by(limit - 1, best_first);
            scored.truncate(limit);
        }
        scored.sort_unstable_by(best_first);
        scored.into_iter().take(limit).map(|(_, id)| id).collect()
    }
}

impl RelatedIndex {
    /// `related(id, limit)` of every review at once. Relatedness is the same both ways, so each
    /// pair is weighed once; the reviews are shared out among `threads` threads.
    pub fn all_related(&self, limit: usize, threads: usize) -> HashMap<i64, Vec<i64>> {
        let n = self.items.len();
        let threads = threads.clamp(1, 16);
        // Each thread keeps the best candidates it saw for every review; they are merged after.
        let found: Vec<Vec<Vec<(f32, i64)>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        let mut best: Vec<Vec<(f32, i64)>> = vec![Vec::new(); n];
                        let mut weights = vec![0.0f32; self.terms];
                        // Rows dealt in turn, so long and short rows are shared evenly.
                        for i in (t..n).step_by(threads) {
                            let target = &self.items[i];
                            for (term, weight) in &target.vector {
                                weights[*term as usize] = *weight;
                            }
                            for j in i + 1..n {
                                let other = &self.items[j];
                                let score = relatedness(target, &weights, other);
                                if score > 0.0 {
                                    keep_best(&mut best[i], (score, other.features.review_id), limit);
                                    keep_best(&mut best[j], (score, target.features.review_id), limit);
                                }
                            }
                            for (term, _) in &target.vector {
                                weights[*term as usize] = 0.0;
                            }
                        }
                        best
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("a related-reviews thread does not panic")).collect()
        });
        (0..n)
            .map(|i| {
                let mut merged: Vec<(f32, i64)> = found.iter().flat_map(|best| best[i].iter().copied()).collect();
                merged.sort_unstable_by(best_first);
                merged.truncate(limit);
                (self.items[i].features.review_id, merged.into_iter().map(|(_, id)| id).collect())
            })
            .collect()
    }
}

/// Higher scores first; ties to the lower id.
fn best_first(a: &(f32, i64), b: &(f32, i64)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Adds `candidate` to `best` (at most `limit`, best first) when it beats the last there: most
/// candidates are turned away by one comparison.
fn keep_best(best: &mut Vec<(f32, i64)>, candidate: (f32, i64), limit: usize) {
    if best.len() >= limit && best.last().is_none_or(|worst| best_first(&candidate, worst).is_ge()) {
        return;
    }
    let at = best.partition_point(|kept| best_first(kept, &candidate).is_lt());
    best.insert(at, candidate);
    best.truncate(limit);
}

/// How related `b` is to `a`, whose text weights by term are `a_weights`.
fn relatedness(a: &Item, a_weights: &[f32], b: &Item) -> f32 {
    let (fa, fb) = (&a.features, &b.features);
    let shared = |x: &[i64], y: &[i64]| x.iter().filter(|id| y.contains(id)).count() as f32;
    let mut score = DIRECTOR * shared(&fa.directors, &fb.directors)
        + CAST * shared(&fa.cast, &fb.cast)
        + GENRE * shared(&fa.genres, &fb.genres)
        + TEXT * cosine(a_weights, &b.vector);
    if let (Some(ya), Some(yb)) = (fa.year, fb.year) {
        score += match (ya - yb).abs() {
            0 => SAME_YEAR,
            1..=3 => NEAR_YEAR,
            _ => 0.0,
        };
    }
    score
}

/// The dot product of two unit vectors, one laid out by term. Terms `b` lacks add nothing, and
/// the shared ones are summed in term order.
fn cosine(a: &[f32], b: &[(u32, f32)]) -> f32 {
    b.iter().fold(0.0, |dot, (term, weight)| dot + a[*term as usize] * weight)
}

/// Lowercased words of three letters or more that are not common English function words.
fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
}

const STOPWORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "and", "any", "are", "because", "been", "before", "being", "but", "can",
    "could", "did", "does", "doing", "down", "each", "even", "film", "for", "from", "had", "has", "have", "her",
    "here", "hers", "him", "his", "how", "into", "its", "just", "more", "most", "movie", "much", "not", "now", "off",
    "once", "one", "only", "other", "our", "out", "over", "own", "same", "she", "should", "some", "such", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "too", "two",
    "under", "until", "very", "was", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: i64, year: i32, directors: &[i64], genres: &[i64], text: &str) -> ReviewFeatures {
        ReviewFeatures {
            review_id: id,
            film_id: id,
            year: Some(year),
            directors: directors.to_vec(),
            cast: vec![],
            genres: genres.to_vec(),
            text: text.into(),
        }
    }

    #[test]
    fn all_at_once_is_each_review_asked_alone() {
        // Many near ties: few directors, genres and years, texts from a small vocabulary, people
        // credited twice.
        let words = ["rain", "harbour", "letters", "winter", "station", "lantern", "quiet", "orchard"];
        let reviews: Vec<ReviewFeatures> = (0..120i64)
            .map(|i| ReviewFeatures {
                review_id: 1000 - i * 7,
                film_id: i,
                year: Some(1990 + (i % 5) as i32),
                directors: vec![i % 4, i % 4],
                cast: vec![i % 9, i % 5, i % 9, 20 + i % 3, 30, 31, 32, 33],
                genres: vec![i % 3],
                text: (0..(5 + i % 7)).map(|w| words[((i * 3 + w * w) % 8) as usize]).collect::<Vec<_>>().join(" "),
            })
            .collect();
        let index = RelatedIndex::build(reviews.clone());
        for threads in [1, 2, 3] {
            let all = index.all_related(6, threads);
            for review in &reviews {
                assert_eq!(
                    all[&review.review_id],
                    index.related(review.review_id, 6),
                    "{} with {threads}",
                    review.review_id
                );
            }
        }
        assert!(all_distinct(&index.related(1000, 6)));
    }

    fn all_distinct(ids: &[i64]) -> bool {
        ids.iter().collect::<std::collections::HashSet<_>>().len() == ids.len() && ids.len() == 6
    }

    #[test]
    fn the_same_reviews_give_the_same_weights_to_the_last_bit() {
        let text: String = (0..400).map(|i| format!("word{} ", i * 7 % 131)).collect();
        let reviews = || vec![review(1, 1990, &[], &[], &text), review(2, 1991, &[], &[], "word3 word5 other words")];
        let weights =
            |index: &RelatedIndex| -> Vec<u32> { index.items[0].vector.iter().map(|(_, w)| w.to_bits()).collect() };
        let first = weights(&RelatedIndex::build(reviews()));
        // Each build hashes its words with a new random seed: any dependence on the map's
        // order shows as a different last bit within a few builds.
        for _ in 0..20 {
            assert_eq!(weights(&RelatedIndex::build(reviews())), first);
        }
    }

    #[test]
    fn shared_director_outranks_shared_genre_and_never_returns_itself() {
        let index = RelatedIndex::build(vec![
            review(1, 1990, &[10], &[1], "trains at night across frozen plains"),
            review(2, 2010, &[10], &[2], "a comedy of manners in a seaside hotel"),
            review(3, 1975, &[11], &[1], "a heist that goes wrong in the rain"),
            review(4, 2020, &[12], &[3], "puppets and paper boats"),
        ]);
        let related = index.related(1, 6);
        assert_eq!(related.first(), Some(&2));
        assert!(related.contains(&3));
        assert!(!related.contains(&1));
        assert!(!related.contains(&4), "nothing in common: {related:?}");
    }

    #[test]
    fn similar_texts_relate_when_nothing_else_is_shared() {
        let index = RelatedIndex::build(vec![
            review(1, 1950, &[], &[], "lighthouse keeper storm lighthouse isolation madness"),
            review(2, 1980, &[], &[], "storm lighthouse keeper isolation"),
            review(3, 2015, &[], &[], "wedding banquet cousins dancing"),
        ]);
        assert_eq!(index.related(1, 6), vec![2]);
    }

    #[test]
    fn limit_is_respected_and_unknown_reviews_get_nothing() {
        let reviews = (1..=10).map(|id| review(id, 2000, &[1], &[1], "same words here")).collect();
        let index = RelatedIndex::build(reviews);
        assert_eq!(index.related(5, 6).len(), 6);
        assert!(index.related(99, 6).is_empty());
    }
}
