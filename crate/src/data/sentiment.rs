//! The `sentiment` preset: sentiment polarity of English words, the lab's real-data task.
//!
//! The paper embeds IMDB reviews with a language model; we ship no downloads, so the data is made
//! once by `tools/sentiment/make_sentiment.py` and shipped as `crate/data/sentiment_afinn_minilm.csv`
//! (3380 rows, 249 KB): the entries of the AFINN-165 lexicon (Finn Årup Nielsen, ODbL 1.0) with
//! nonzero valence, label `y = sign(valence)` (1176 positive, 2204 negative; the 28 multi-word
//! entries such as "not good" are kept), embedded by all-MiniLM-L6-v2 (Apache-2.0; mean pooling,
//! L2 normalisation), centred and projected on the first [`SENTIMENT_COMPONENTS`] principal
//! components, all divided by one common scale (the largest |score|) so that every coordinate lies
//! in `[-1, 1]` and the components keep their relative variances. See `tools/sentiment/README.md`
//! for the checks of the embedding and `crate/data/NOTICE.md` for the licences.

use std::sync::OnceLock;

use crate::error::{Error, Result, check_range_usize};
use crate::rng::Stream;

use super::{Dataset, Task};

/// Number of PCA components stored per word in the shipped CSV (the largest `DataSpec::dims`).
pub const SENTIMENT_COMPONENTS: usize = 8;

/// The shipped CSV: header `word,label,pc1,...,pc8`, then one row per lexicon entry.
const SENTIMENT_CSV: &str = include_str!("../../data/sentiment_afinn_minilm.csv");

/// The parsed lexicon: one row per word, in the lexicon's (alphabetical) order.
#[derive(Debug, Clone, PartialEq)]
pub struct SentimentTable {
    /// The words (or short phrases), length `n`.
    pub words: Vec<String>,
    /// Labels `±1` (sign of the AFINN valence), length `n`.
    pub labels: Vec<f64>,
    /// PCA coordinates, row-major `n x SENTIMENT_COMPONENTS`, each in `[-1, 1]`.
    pub coords: Vec<f64>,
}

impl SentimentTable {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the table has no words (never true for the shipped data).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Row `i`'s `SENTIMENT_COMPONENTS` coordinates.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.coords[i * SENTIMENT_COMPONENTS..(i + 1) * SENTIMENT_COMPONENTS]
    }

    /// Indices of the words labelled `label` (`±1`), in table order.
    pub fn indices_of(&self, label: f64) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.labels[i] == label)
            .collect()
    }

    /// The largest `n` a balanced sample can have: `2 min(#positive, #negative)` (2352 for the
    /// shipped data).
    pub fn max_balanced_n(&self) -> usize {
        let pos = self.labels.iter().filter(|&&v| v == 1.0).count();
        2 * pos.min(self.len() - pos)
    }
}

/// Parses a table in the shipped format: a header line `word,label,pc1,...,pc8`, then rows
/// `word,label,v1,...,v8` with `label` in `{-1, 1}` and finite `v` in `[-1, 1]`. Errors name
/// `sentiment.csv line L` (and the column) and the bound.
pub fn parse_sentiment_csv(text: &str) -> Result<SentimentTable> {
    let mut lines = text.lines().enumerate();
    let columns = 2 + SENTIMENT_COMPONENTS;
    match lines.next() {
        Some((_, header)) if header.trim().starts_with("word,label,pc1") => {}
        _ => {
            return Err(Error::Parse {
                field: "sentiment.csv line 1".into(),
                message: "expected the header word,label,pc1,...".into(),
            });
        }
    }
    let mut table = SentimentTable {
        words: Vec::new(),
        labels: Vec::new(),
        coords: Vec::new(),
    };
    for (ln, line) in lines {
        let line_no = ln + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != columns {
            return Err(Error::Parse {
                field: format!("sentiment.csv line {line_no}"),
                message: format!("expected {columns} fields, found {}", fields.len()),
            });
        }
        let label = match fields[1] {
            "1" => 1.0,
            "-1" => -1.0,
            other => {
                return Err(Error::UnknownName {
                    field: format!("sentiment.csv line {line_no} column label"),
                    value: other.into(),
                    expected: "-1, 1".into(),
                });
            }
        };
        for (c, f) in fields[2..].iter().enumerate() {
            let field = format!("sentiment.csv line {line_no} column pc{}", c + 1);
            let v: f64 = f.parse().map_err(|_| Error::Parse {
                field: field.clone(),
                message: format!("{f:?} is not a number"),
            })?;
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    field,
                    value: f.to_string(),
                });
            }
            if v.abs() > 1.0 {
                return Err(Error::out_of_range(&field, v, -1, 1));
            }
            table.coords.push(v);
        }
        table.words.push(fields[0].to_string());
        table.labels.push(label);
    }
    if table.is_empty() {
        return Err(Error::Empty {
            field: "sentiment.csv".into(),
            min: 1,
        });
    }
    Ok(table)
}

/// The shipped table, parsed on first use and kept for the life of the program.
pub fn sentiment_table() -> Result<&'static SentimentTable> {
    static TABLE: OnceLock<Result<SentimentTable>> = OnceLock::new();
    TABLE
        .get_or_init(|| parse_sentiment_csv(SENTIMENT_CSV))
        .as_ref()
        .map_err(Clone::clone)
}

/// A balanced sample of `n` words with their first `dims` components: `floor(n/2)` positive and
/// `ceil(n/2)` negative words, each class drawn without replacement (the first entries of
/// `Stream::with_stream(seed, 3).permutation(#pos)`, resp. stream 4 over the negatives), then
/// shuffled and split by `Stream::new(seed)` as every preset: `n_train` train, the rest test.
/// `train_names` / `test_names` carry the words. Errors name `data.n` (in `[4, 2352]`) and
/// `data.dims` (in `[1, 8]`).
///
/// Balanced rather than uniform: the lexicon is 65 % negative, and a balanced pool keeps test
/// accuracy comparable with the planar presets (0.5 = chance).
pub fn sentiment(n: usize, n_train: usize, dims: usize, seed: u64) -> Result<Dataset> {
    let table = sentiment_table()?;
    check_range_usize("data.dims", dims, 1, SENTIMENT_COMPONENTS)?;
    check_range_usize("data.n", n, 4, table.max_balanced_n())?;
    let n_pos = n / 2;
    let mut chosen = Vec::with_capacity(n);
    for (label, count, stream) in [(1.0, n_pos, 3), (-1.0, n - n_pos, 4)] {
        let candidates = table.indices_of(label);
        let perm = Stream::with_stream(seed, stream).permutation(candidates.len());
        chosen.extend(perm[..count].iter().map(|&k| candidates[k]));
    }
    let mut x = Vec::with_capacity(n * dims);
    let mut y = Vec::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    for &i in &chosen {
        x.extend_from_slice(&table.row(i)[..dims]);
        y.push(table.labels[i]);
        names.push(table.words[i].clone());
    }
    Ok(Dataset::split_named(
        "sentiment",
        Task::Classification,
        dims,
        &x,
        &y,
        &names,
        n_train.min(n),
        seed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_names_line_and_column() {
        let header = "word,label,pc1,pc2,pc3,pc4,pc5,pc6,pc7,pc8\n";
        let ok = format!("{header}good,1,0.1,0,0,0,0,0,0,-1\n");
        let t = parse_sentiment_csv(&ok).unwrap();
        assert_eq!(
            (t.len(), t.words[0].as_str(), t.row(0)[7]),
            (1, "good", -1.0)
        );
        let e = parse_sentiment_csv(&format!("{header}bad,0,0,0,0,0,0,0,0,0\n")).unwrap_err();
        assert_eq!(e.field(), Some("sentiment.csv line 2 column label"));
        let e = parse_sentiment_csv(&format!("{header}bad,1,0,0,1.5,0,0,0,0,0\n")).unwrap_err();
        assert_eq!(e.field(), Some("sentiment.csv line 2 column pc3"));
        let e = parse_sentiment_csv(&format!("{header}bad,1,0,0,0\n")).unwrap_err();
        assert_eq!(e.field(), Some("sentiment.csv line 2"));
        assert!(parse_sentiment_csv("x,y\n").is_err());
        assert!(matches!(
            parse_sentiment_csv(header).unwrap_err(),
            Error::Empty { .. }
        ));
    }
}
