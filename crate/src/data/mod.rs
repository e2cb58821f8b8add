//! Dataset presets (spiral, moons, xor, circles, blobs, 1-D quadratic regression, and the
//! `sentiment` word set of [`sentiment`]), the presets' noise-free labelling functions
//! ([`ground_truth()`]), and validation of user points.
//!
//! Every preset is a [`Dataset`]: train and test points stored row-major (`n x dim`), with labels in
//! `{-1, +1}` for classification or real targets for regression. Randomness comes from a seed through
//! [`crate::rng::Stream`], so a preset gives the same bits natively and in wasm.
//!
//! The two-spiral set follows `generate_spiral_data` in the authors' code (pilancilab/cpal,
//! `src/cpal/synthetic_data.py`) term for term, except for the shuffle: numpy's seed-0 permutation
//! (Mersenne Twister) is not reproduced; the shuffle is [`Stream::permutation`] with the dataset seed
//! (0 by default). The geometry and labels are identical; which 80 points are train differs.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_range_f64, check_range_usize};
use crate::rng::Stream;

pub mod ground_truth;
pub mod sentiment;

pub use ground_truth::ground_truth;
pub use sentiment::{SENTIMENT_COMPONENTS, SentimentTable, sentiment, sentiment_table};

/// Most points accepted anywhere (presets and user CSV).
pub const MAX_POINTS: usize = 10_000;

/// Whether a dataset's targets are class labels or real values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Binary classification, labels in `{-1, +1}`.
    Classification,
    /// Real-valued regression targets.
    Regression,
}

/// A dataset split into train (the active learner's pool) and test points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The preset's name (`spiral`, `moons`, ...) or `user`.
    pub name: String,
    /// Classification or regression.
    pub task: Task,
    /// Input dimension (2 for the planar presets, 1 for `quadratic`, `dims` for `sentiment`),
    /// without any bias column.
    pub dim: usize,
    /// Train inputs, row-major `n_train x dim`.
    pub train_x: Vec<f64>,
    /// Train labels (`±1`) or targets, length `n_train`.
    pub train_y: Vec<f64>,
    /// Test inputs, row-major `n_test x dim`.
    pub test_x: Vec<f64>,
    /// Test labels (`±1`) or targets, length `n_test`.
    pub test_y: Vec<f64>,
    /// The word (or phrase) of each train point, aligned with `train_y` (`sentiment` only; empty
    /// for the other presets and user points).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub train_names: Vec<String>,
    /// The word (or phrase) of each test point, aligned with `test_y` (`sentiment` only; empty
    /// otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_names: Vec<String>,
}

impl Dataset {
    /// Number of train points.
    pub fn n_train(&self) -> usize {
        self.train_y.len()
    }

    /// Number of test points.
    pub fn n_test(&self) -> usize {
        self.test_y.len()
    }

    /// Train point `i` (length `dim`).
    pub fn train_point(&self, i: usize) -> &[f64] {
        &self.train_x[i * self.dim..(i + 1) * self.dim]
    }

    /// Test point `i` (length `dim`).
    pub fn test_point(&self, i: usize) -> &[f64] {
        &self.test_x[i * self.dim..(i + 1) * self.dim]
    }

    /// Builds a dataset from all points (row-major `n x dim`) and targets, shuffled by
    /// `Stream::new(seed).permutation(n)`; the first `n_train` shuffled points are train.
    fn split(
        name: &str,
        task: Task,
        dim: usize,
        x: &[f64],
        y: &[f64],
        n_train: usize,
        seed: u64,
    ) -> Dataset {
        Dataset::split_named(name, task, dim, x, y, &[], n_train, seed)
    }

    /// [`Dataset::split`] carrying a name per point (`names` empty, or one per point in the
    /// order of `y`), shuffled along with the points.
    #[allow(clippy::too_many_arguments)]
    fn split_named(
        name: &str,
        task: Task,
        dim: usize,
        x: &[f64],
        y: &[f64],
        names: &[String],
        n_train: usize,
        seed: u64,
    ) -> Dataset {
        let n = y.len();
        let perm = Stream::new(seed).permutation(n);
        let mut d = Dataset {
            name: name.to_string(),
            task,
            dim,
            train_x: Vec::with_capacity(n_train * dim),
            train_y: Vec::with_capacity(n_train),
            test_x: Vec::with_capacity((n - n_train) * dim),
            test_y: Vec::with_capacity(n - n_train),
            train_names: Vec::new(),
            test_names: Vec::new(),
        };
        for (r, &i) in perm.iter().enumerate() {
            let (xs, ys, ns) = if r < n_train {
                (&mut d.train_x, &mut d.train_y, &mut d.train_names)
            } else {
                (&mut d.test_x, &mut d.test_y, &mut d.test_names)
            };
            xs.extend_from_slice(&x[i * dim..(i + 1) * dim]);
            ys.push(y[i]);
            if let Some(word) = names.get(i) {
                ns.push(word.clone());
            }
        }
        d
    }
}

/// The presets by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The paper's two interleaved spirals (labels: arm `+1` / arm `-1`).
    Spiral,
    /// Two interleaving half circles (scikit-learn's `make_moons` geometry).
    Moons,
    /// Uniform points in `[-1, 1]^2` labelled by the sign of `x1 x2`.
    Xor,
    /// Two concentric circles, radii 1 and 0.5 (`make_circles` with factor 0.5), scaled by 0.9.
    Circles,
    /// Two isotropic Gaussian blobs centred at `(-0.5, -0.5)` and `(0.5, 0.5)`.
    Blobs,
    /// `y = x^2` on 100 equispaced points of `[-1, 1]` (regression).
    Quadratic,
    /// Sentiment polarity of English words: the AFINN-165 lexicon embedded by all-MiniLM-L6-v2
    /// and reduced by PCA (see [`sentiment`]); `DataSpec::dims` components, label = sign of the
    /// valence. No labelling function off the lexicon: only a person can answer for new points.
    Sentiment,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 7] = [
        Preset::Spiral,
        Preset::Moons,
        Preset::Xor,
        Preset::Circles,
        Preset::Blobs,
        Preset::Quadratic,
        Preset::Sentiment,
    ];

    /// The preset's name as the URL and configs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Spiral => "spiral",
            Preset::Moons => "moons",
            Preset::Xor => "xor",
            Preset::Circles => "circles",
            Preset::Blobs => "blobs",
            Preset::Quadratic => "quadratic",
            Preset::Sentiment => "sentiment",
        }
    }

    /// Whether [`ground_truth()`] can label an arbitrary input point of this preset (every preset
    /// but `sentiment`).
    pub fn has_labelling_function(self) -> bool {
        self != Preset::Sentiment
    }

    /// The preset called `name`; the error names `field` and lists the choices.
    pub fn from_name(field: &str, name: &str) -> Result<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::UnknownName {
                field: field.into(),
                value: name.into(),
                expected: Preset::ALL.map(Preset::name).join(", "),
            })
    }
}

/// A preset with its size, noise and seed: everything needed to regenerate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSpec {
    /// Which preset.
    pub preset: Preset,
    /// Total number of points (train + test), in `[4, 10_000]`.
    pub n: usize,
    /// Fraction of points kept for testing, in `[0, 0.9]`.
    pub test_fraction: f64,
    /// Noise level: standard deviation of Gaussian jitter added to the inputs (blobs: the blobs'
    /// standard deviation), in `[0, 1]`. Ignored by `quadratic` (noise-free targets as in the paper).
    pub noise: f64,
    /// Seed of the shuffle (and of the noise and sampling).
    pub seed: u64,
    /// `sentiment` only: how many PCA components are the input coordinates, in
    /// `[1, SENTIMENT_COMPONENTS]` (= `[1, 8]`). Default 5: a least-squares linear probe on the
    /// shipped data gains nothing past 5 (0.886 test accuracy with 5, 0.883 with 8), and each
    /// component adds `2m` parameters to the cutting-plane network. Ignored (and not checked) by
    /// the other presets.
    pub dims: usize,
}

impl Default for DataSpec {
    /// The paper's spiral: 100 points, 80 train / 20 test, no noise, seed 0.
    fn default() -> Self {
        DataSpec {
            preset: Preset::Spiral,
            n: 100,
            test_fraction: 0.2,
            noise: 0.0,
            seed: 0,
            dims: DEFAULT_SENTIMENT_DIMS,
        }
    }
}

/// The spiral preset's `n_shape` (the paper's 50): arm points sit at `i' = i n_shape / (n - 1)`.
pub const SPIRAL_N_SHAPE: usize = 50;

/// Default of [`DataSpec::dims`].
pub const DEFAULT_SENTIMENT_DIMS: usize = 5;

impl DataSpec {
    /// Checks the ranges; errors name `prefix.n`, `prefix.test_fraction`, `prefix.noise` and, for
    /// `sentiment`, `prefix.dims` (in `[1, 8]`) and `prefix.n` (at most
    /// [`SentimentTable::max_balanced_n`], 2352).
    pub fn validate(&self, prefix: &str) -> Result<()> {
        check_range_usize(&format!("{prefix}.n"), self.n, 4, MAX_POINTS)?;
        if self.preset == Preset::Sentiment {
            check_range_usize(
                &format!("{prefix}.dims"),
                self.dims,
                1,
                SENTIMENT_COMPONENTS,
            )?;
            let table = sentiment_table()?;
            check_range_usize(&format!("{prefix}.n"), self.n, 4, table.max_balanced_n())?;
        }
        check_range_f64(
            &format!("{prefix}.test_fraction"),
            self.test_fraction,
            0.0,
            0.9,
        )?;
        check_range_f64(&format!("{prefix}.noise"), self.noise, 0.0, 1.0)?;
        Ok(())
    }

    /// Number of train points: `n - round(n * test_fraction)`, at least 1.
    pub fn n_train(&self) -> usize {
        let n_test = libm::round(self.n as f64 * self.test_fraction) as usize;
        (self.n - n_test.min(self.n - 1)).max(1)
    }

    /// Generates the dataset (validating first).
    pub fn generate(&self) -> Result<Dataset> {
        self.validate("data")?;
        let n_train = self.n_train();
        Ok(match self.preset {
            Preset::Spiral => spiral(self.n, n_train, SPIRAL_N_SHAPE, self.noise, self.seed),
            Preset::Moons => moons(self.n, n_train, self.noise, self.seed),
            Preset::Xor => xor(self.n, n_train, self.noise, self.seed),
            Preset::Circles => circles(self.n, n_train, self.noise, self.seed),
            Preset::Blobs => blobs(self.n, n_train, self.noise, self.seed),
            Preset::Quadratic => quadratic(self.n, n_train, self.seed),
            Preset::Sentiment => sentiment(self.n, n_train, self.dims, self.seed)?,
        })
    }
}

/// One point of a spiral arm, as `spiral_xy` in the authors' code: `i' = i n_shape / (total - 1)`,
/// `phi = i' / 16 * pi`, `r = 6.5 (104 - i') / 104`, `(x, y) = (r cos(phi) s / 13 + 0.5,
/// r sin(phi) s / 13 + 0.5)` for arm `s = ±1`, in `[0, 1]^2`.
pub fn spiral_xy(i: usize, total: usize, arm: f64, n_shape: usize) -> (f64, f64) {
    let i_norm = (i * n_shape) as f64 / (total - 1) as f64;
    let phi = i_norm / 16.0 * std::f64::consts::PI;
    let r = 6.5 * ((104.0 - i_norm) / 104.0);
    let x = (r * libm::cos(phi) * arm) / 13.0 + 0.5;
    let y = (r * libm::sin(phi) * arm) / 13.0 + 0.5;
    (x, y)
}

/// The paper's two-spiral set (`generate_spiral_data`): arm `+1` (points `0..n/2`, label `+1`) then
/// arm `-1` (label `-1`), each of `n/2` points from [`spiral_xy`] with `total = n`, mapped to
/// `[-1, 1]^2` by `2 p - 1`; then shuffled with `Stream::new(seed)` (not numpy's permutation) and
/// split into `n_train` train / `n - n_train` test. `noise > 0` adds N(0, noise^2) jitter (the paper
/// uses none). With `n` odd the last point is dropped, as in the reference (`n // 2` per arm).
pub fn spiral(n: usize, n_train: usize, n_shape: usize, noise: f64, seed: u64) -> Dataset {
    let half = n / 2;
    let mut x = Vec::with_capacity(4 * half);
    let mut y = Vec::with_capacity(2 * half);
    for arm in [1.0, -1.0] {
        for i in 0..half {
            let (a, b) = spiral_xy(i, n, arm, n_shape);
            x.push(2.0 * a - 1.0);
            x.push(2.0 * b - 1.0);
            y.push(arm);
        }
    }
    add_noise(&mut x, noise, seed);
    Dataset::split(
        "spiral",
        Task::Classification,
        2,
        &x,
        &y,
        n_train.min(2 * half),
        seed,
    )
}

/// Adds N(0, noise^2) to every coordinate, from sub-stream 1 of `seed` (the shuffle uses stream 0).
fn add_noise(x: &mut [f64], noise: f64, seed: u64) {
    if noise > 0.0 {
        let mut s = Stream::with_stream(seed, 1);
        for v in x.iter_mut() {
            *v += noise * s.gaussian();
        }
    }
}

/// Two moons (`make_moons` geometry): the outer arc `(cos t, sin t)`, `t` equispaced in `[0, pi]`
/// (label `+1`, `ceil(n/2)` points), the inner arc `(1 - cos t, 0.5 - sin t)` (label `-1`), jittered by
/// N(0, noise^2), then mapped affinely (one scale for both axes) into `[-1, 1]^2` by the noise-free
/// bounding box `[-1, 2] x [-0.5, 1]`.
pub fn moons(n: usize, n_train: usize, noise: f64, seed: u64) -> Dataset {
    let n_out = n.div_ceil(2);
    let n_in = n - n_out;
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    let pi = std::f64::consts::PI;
    for k in 0..n_out {
        let t = if n_out > 1 {
            pi * k as f64 / (n_out - 1) as f64
        } else {
            0.0
        };
        x.push(libm::cos(t));
        x.push(libm::sin(t));
        y.push(1.0);
    }
    for k in 0..n_in {
        let t = if n_in > 1 {
            pi * k as f64 / (n_in - 1) as f64
        } else {
            0.0
        };
        x.push(1.0 - libm::cos(t));
        x.push(0.5 - libm::sin(t));
        y.push(-1.0);
    }
    add_noise(&mut x, noise, seed);
    // Centre (0.5, 0.25), half-width 1.5.
    for p in x.chunks_mut(2) {
        p[0] = (p[0] - 0.5) / 1.5;
        p[1] = (p[1] - 0.25) / 1.5;
    }
    Dataset::split("moons", Task::Classification, 2, &x, &y, n_train, seed)
}

/// XOR: points uniform in `[-1, 1]^2` (sub-stream 2), label `+1` if `x1 x2 >= 0` else `-1`, computed
/// before the N(0, noise^2) jitter (so noise creates overlap).
pub fn xor(n: usize, n_train: usize, noise: f64, seed: u64) -> Dataset {
    let mut s = Stream::with_stream(seed, 2);
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let a = 2.0 * s.uniform() - 1.0;
        let b = 2.0 * s.uniform() - 1.0;
        x.push(a);
        x.push(b);
        y.push(if a * b >= 0.0 { 1.0 } else { -1.0 });
    }
    add_noise(&mut x, noise, seed);
    Dataset::split("xor", Task::Classification, 2, &x, &y, n_train, seed)
}

/// Two concentric circles (`make_circles`, factor 0.5): `ceil(n/2)` points on the outer circle of
/// radius 0.9 (label `-1`) and the rest on the inner circle of radius 0.45 (label `+1`), angles
/// equispaced, jittered by N(0, noise^2).
pub fn circles(n: usize, n_train: usize, noise: f64, seed: u64) -> Dataset {
    let n_out = n.div_ceil(2);
    let n_in = n - n_out;
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    let tau = 2.0 * std::f64::consts::PI;
    for (count, radius, label) in [(n_out, 0.9, -1.0), (n_in, 0.45, 1.0)] {
        for k in 0..count {
            let t = tau * k as f64 / count as f64;
            x.push(radius * libm::cos(t));
            x.push(radius * libm::sin(t));
            y.push(label);
        }
    }
    add_noise(&mut x, noise, seed);
    Dataset::split("circles", Task::Classification, 2, &x, &y, n_train, seed)
}

/// Two Gaussian blobs: `ceil(n/2)` points around `(0.5, 0.5)` (label `+1`) and the rest around
/// `(-0.5, -0.5)` (label `-1`), each coordinate with standard deviation `max(noise, 0.05)`.
pub fn blobs(n: usize, n_train: usize, noise: f64, seed: u64) -> Dataset {
    let n_pos = n.div_ceil(2);
    let sd = noise.max(0.05);
    let mut s = Stream::with_stream(seed, 1);
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for k in 0..n {
        let (c, label) = if k < n_pos { (0.5, 1.0) } else { (-0.5, -1.0) };
        x.push(c + sd * s.gaussian());
        x.push(c + sd * s.gaussian());
        y.push(label);
    }
    Dataset::split("blobs", Task::Classification, 2, &x, &y, n_train, seed)
}

/// The paper's regression set (`generate_quadratic_regression`, noise-free): `x` = `n` equispaced
/// points of `[-1, 1]` (`x_k = -1 + 2k/(n-1)`), `y = x^2`; `n_train` points drawn by
/// `Stream::new(seed).permutation(n)` (the reference uses numpy's `choice`), the rest are test, in
/// increasing `x` as numpy's `setdiff1d` leaves them.
pub fn quadratic(n: usize, n_train: usize, seed: u64) -> Dataset {
    let xs: Vec<f64> = (0..n)
        .map(|k| -1.0 + 2.0 * k as f64 / (n - 1) as f64)
        .collect();
    let perm = Stream::new(seed).permutation(n);
    let mut chosen = vec![false; n];
    let mut d = Dataset {
        name: "quadratic".into(),
        task: Task::Regression,
        dim: 1,
        train_x: Vec::new(),
        train_y: Vec::new(),
        test_x: Vec::new(),
        test_y: Vec::new(),
        train_names: Vec::new(),
        test_names: Vec::new(),
    };
    for &i in &perm[..n_train] {
        chosen[i] = true;
        d.train_x.push(xs[i]);
        d.train_y.push(xs[i] * xs[i]);
    }
    for i in (0..n).filter(|&i| !chosen[i]) {
        d.test_x.push(xs[i]);
        d.test_y.push(xs[i] * xs[i]);
    }
    d
}

/// A labelled planar point from user input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabelledPoint {
    /// First coordinate.
    pub x: f64,
    /// Second coordinate.
    pub y: f64,
    /// Label in `{-1, +1}` (a `0` label in the input is mapped to `-1`).
    pub label: f64,
}

/// Parses user points from CSV text: one `x,y,label` per line, an optional header line (a first line
/// whose first field is not a number), blank lines skipped. Labels must be all in `{-1, 1}` or all in
/// `{0, 1}` (0 becomes `-1`). Errors name the line and column (`points.csv line 3 column label`) and
/// the bound: non-finite or unparsable numbers, a wrong number of fields, more than [`MAX_POINTS`]
/// points, no points at all, or labels outside the accepted sets.
pub fn parse_points_csv(text: &str) -> Result<Vec<LabelledPoint>> {
    const COLUMNS: [&str; 3] = ["x", "y", "label"];
    let mut points = Vec::new();
    let mut saw_minus_one = None::<usize>;
    let mut saw_zero = None::<usize>;
    let header_line = first_nonblank_line(text);
    for (ln, line) in text.lines().enumerate() {
        let line_no = ln + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if ln == header_line && fields[0].parse::<f64>().is_err() {
            continue; // a header line
        }
        if fields.len() != 3 {
            return Err(Error::Parse {
                field: format!("points.csv line {line_no}"),
                message: format!("expected 3 fields (x,y,label), found {}", fields.len()),
            });
        }
        if points.len() == MAX_POINTS {
            return Err(Error::out_of_range(
                "points.csv number of points",
                format!("more than {MAX_POINTS} (line {line_no})"),
                1,
                MAX_POINTS,
            ));
        }
        let mut vals = [0.0; 3];
        for (c, (f, v)) in fields.iter().zip(vals.iter_mut()).enumerate() {
            let field = format!("points.csv line {line_no} column {}", COLUMNS[c]);
            let parsed: f64 = f.parse().map_err(|_| Error::Parse {
                field: field.clone(),
                message: format!("{f:?} is not a number"),
            })?;
            if !parsed.is_finite() {
                return Err(Error::NotFinite {
                    field,
                    value: f.to_string(),
                });
            }
            *v = parsed;
        }
        let label_field = format!("points.csv line {line_no} column label");
        let label = vals[2];
        if label == -1.0 {
            saw_minus_one.get_or_insert(line_no);
        } else if label == 0.0 {
            saw_zero.get_or_insert(line_no);
        } else if label != 1.0 {
            return Err(Error::UnknownName {
                field: label_field,
                value: fields[2].to_string(),
                expected: "-1, 1 (or 0, 1)".into(),
            });
        }
        if let (Some(_), Some(_)) = (saw_minus_one, saw_zero) {
            return Err(Error::UnknownName {
                field: label_field,
                value: fields[2].to_string(),
                expected: "labels all in {-1, 1} or all in {0, 1}, not a mix".into(),
            });
        }
        points.push(LabelledPoint {
            x: vals[0],
            y: vals[1],
            label: if label == 0.0 { -1.0 } else { label },
        });
    }
    if points.is_empty() {
        return Err(Error::Empty {
            field: "points.csv".into(),
            min: 1,
        });
    }
    Ok(points)
}

/// Index of the first non-blank line of `text` (0 if none).
fn first_nonblank_line(text: &str) -> usize {
    text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0)
}

/// Checks user points given as values (e.g. from the page's JSON): at least one, at most
/// [`MAX_POINTS`], finite coordinates, labels in `{-1, 1}`. Errors name `field[i].x` etc.
pub fn validate_points(field: &str, points: &[LabelledPoint]) -> Result<()> {
    if points.is_empty() {
        return Err(Error::Empty {
            field: field.into(),
            min: 1,
        });
    }
    check_range_usize(
        &format!("{field} number of points"),
        points.len(),
        1,
        MAX_POINTS,
    )?;
    for (i, p) in points.iter().enumerate() {
        for (name, v) in [("x", p.x), ("y", p.y)] {
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    field: format!("{field}[{i}].{name}"),
                    value: v.to_string(),
                });
            }
        }
        if p.label != 1.0 && p.label != -1.0 {
            return Err(Error::UnknownName {
                field: format!("{field}[{i}].label"),
                value: p.label.to_string(),
                expected: "-1, 1".into(),
            });
        }
    }
    Ok(())
}

/// A user dataset from validated points: shuffled by `seed` and split with `round(n test_fraction)`
/// test points (at least one train point).
pub fn user_dataset(points: &[LabelledPoint], test_fraction: f64, seed: u64) -> Result<Dataset> {
    validate_points("points", points)?;
    check_range_f64("data.test_fraction", test_fraction, 0.0, 0.9)?;
    let n = points.len();
    let n_test = (libm::round(n as f64 * test_fraction) as usize).min(n - 1);
    let x: Vec<f64> = points.iter().flat_map(|p| [p.x, p.y]).collect();
    let y: Vec<f64> = points.iter().map(|p| p.label).collect();
    Ok(Dataset::split(
        "user",
        Task::Classification,
        2,
        &x,
        &y,
        n - n_test,
        seed,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spiral_matches_the_reference_geometry() {
        let d = DataSpec::default().generate().unwrap();
        assert_eq!((d.n_train(), d.n_test(), d.dim), (80, 20, 2));
        // Every point is a point of one arm: recover it by brute force.
        for (p, &label) in d.train_x.chunks(2).zip(&d.train_y) {
            let hit = (0..50).any(|i| {
                let (a, b) = spiral_xy(i, 100, label, 50);
                (2.0 * a - 1.0 - p[0]).abs() < 1e-15 && (2.0 * b - 1.0 - p[1]).abs() < 1e-15
            });
            assert!(hit, "{p:?} is not on arm {label}");
        }
        // Arm +1 starts at i = 0: (6.5/13 + 0.5, 0.5) -> (1, 0) after 2p - 1.
        let (a, b) = spiral_xy(0, 100, 1.0, 50);
        assert_eq!((2.0 * a - 1.0, 2.0 * b - 1.0), (1.0, 0.0));
        // The last point of arm +1: i' = 49*50/99.
        let i_norm = 49.0 * 50.0 / 99.0;
        let r: f64 = 6.5 * (104.0 - i_norm) / 104.0;
        let phi = i_norm / 16.0 * std::f64::consts::PI;
        let (a, _) = spiral_xy(49, 100, 1.0, 50);
        assert!((a - (r * phi.cos() / 13.0 + 0.5)).abs() < 1e-15);
        let pos = d
            .train_y
            .iter()
            .chain(&d.test_y)
            .filter(|&&v| v == 1.0)
            .count();
        assert_eq!(pos, 50);
        assert!(d.train_x.iter().all(|v| v.abs() <= 1.0));
    }

    #[test]
    fn presets_are_seeded_and_sized() {
        for preset in Preset::ALL {
            let spec = DataSpec {
                preset,
                n: 60,
                noise: 0.1,
                seed: 3,
                ..DataSpec::default()
            };
            let a = spec.generate().unwrap();
            let b = spec.generate().unwrap();
            assert_eq!(a, b, "{}", preset.name());
            assert_eq!(a.n_train() + a.n_test(), 60, "{}", preset.name());
            assert_eq!(a.n_test(), 12);
            assert_eq!(Preset::from_name("p", preset.name()).unwrap(), preset);
            if a.task == Task::Classification {
                assert!(a.train_y.iter().all(|&v| v == 1.0 || v == -1.0));
                assert!(a.train_y.contains(&1.0) && a.train_y.contains(&-1.0));
            }
        }
        let q = quadratic(100, 80, 0);
        assert_eq!((q.n_train(), q.n_test(), q.dim), (80, 20, 1));
        assert!(q.train_x.iter().zip(&q.train_y).all(|(x, y)| x * x == *y));
        assert!(q.test_x.windows(2).all(|w| w[0] < w[1]));
        let e = DataSpec {
            n: 20_000,
            ..DataSpec::default()
        }
        .validate("data")
        .unwrap_err();
        assert_eq!(e.field(), Some("data.n"));
        assert!(e.to_string().contains("between 4 and 10000"));
        assert!(
            Preset::from_name("data.preset", "swirl")
                .unwrap_err()
                .to_string()
                .contains("spiral, moons")
        );
    }

    #[test]
    fn csv_parsing_names_line_and_column() {
        let p = parse_points_csv("x,y,label\n0.1,0.2,1\n\n-0.5, 3e-1 ,-1\n").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].label, -1.0);
        let p = parse_points_csv("0,0,0\n1,1,1").unwrap();
        assert_eq!(p[0].label, -1.0);
        let e = parse_points_csv("x,y,label\n0,0,1\n0,NaN,1").unwrap_err();
        assert_eq!(e.field(), Some("points.csv line 3 column y"));
        let e = parse_points_csv("0,0,1\n0,abc,1").unwrap_err();
        assert_eq!(e.field(), Some("points.csv line 2 column y"));
        let e = parse_points_csv("0,0,2").unwrap_err();
        assert_eq!(e.field(), Some("points.csv line 1 column label"));
        let e = parse_points_csv("0,0,-1\n1,1,0").unwrap_err();
        assert_eq!(e.field(), Some("points.csv line 2 column label"));
        let e = parse_points_csv("0,0").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(matches!(
            parse_points_csv("x,y,label\n").unwrap_err(),
            Error::Empty { .. }
        ));
        let big: String = (0..=MAX_POINTS).map(|i| format!("{i},0,1\n")).collect();
        let e = parse_points_csv(&big).unwrap_err();
        assert!(e.to_string().contains("between 1 and 10000"), "{e}");
        // A header only counts on the first non-blank line.
        assert!(parse_points_csv("0,0,1\nx,y,label").is_err());
        let d = user_dataset(
            &parse_points_csv("0,0,1\n1,1,-1\n2,2,1\n3,3,-1\n4,4,1").unwrap(),
            0.2,
            1,
        )
        .unwrap();
        assert_eq!((d.n_train(), d.n_test()), (4, 1));
        let bad = [LabelledPoint {
            x: f64::INFINITY,
            y: 0.0,
            label: 1.0,
        }];
        assert_eq!(
            validate_points("points", &bad).unwrap_err().field(),
            Some("points[0].x")
        );
    }
}
