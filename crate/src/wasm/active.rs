//! Adapter of lab 1 (active learning by cutting planes) for the page: one experiment held by the
//! engine worker, stepped one round at a time, with the centre network's decision field on request.

use super::{to_js, to_js_error};
use crate::active::final_solve::{FinalSolve, FinalSolveOptions};
use crate::active::{Config, Experiment, RunRecord, UserPoint};
use crate::data::{Dataset, LabelledPoint, Task};
use crate::error::Error;
use wasm_bindgen::prelude::*;

/// A running active-learning experiment with its dataset.
#[wasm_bindgen]
pub struct ActiveLab {
    experiment: Experiment,
    data: Dataset,
    /// The last final solve ("AFS") and the number of cuts it was solved on.
    final_solve: Option<(FinalSolve, usize)>,
}

/// The default config (the paper's spiral protocol) as JSON.
#[wasm_bindgen(js_name = activeDefaultConfig)]
pub fn active_default_config() -> String {
    serde_json::to_string(&Config::default()).expect("the default config serialises")
}

#[wasm_bindgen]
impl ActiveLab {
    /// Validates the JSON config, generates its dataset and samples the activation patterns.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<ActiveLab, JsValue> {
        let config = Config::from_json(config_json).map_err(to_js_error)?;
        config.validate().map_err(to_js_error)?;
        let data = config.data.generate().map_err(to_js_error)?;
        let experiment = Experiment::new(config, &data).map_err(to_js_error)?;
        Ok(ActiveLab {
            experiment,
            data,
            final_solve: None,
        })
    }

    /// A run on the person's points: `points` is `[{ x, y, label }]` with `label` 1, -1 or null
    /// (null: the person is asked when the learner queries it), `test` is `[{ x, y, label }]`
    /// (may be empty). The config's `data` is not used.
    #[wasm_bindgen(js_name = fromPoints)]
    pub fn from_points(
        config_json: &str,
        points: JsValue,
        test: JsValue,
    ) -> Result<ActiveLab, JsValue> {
        let config = Config::from_json(config_json).map_err(to_js_error)?;
        let points: Vec<UserPoint> = from_js("active.points", points)?;
        let test: Vec<LabelledPoint> = from_js("active.test", test)?;
        let experiment = Experiment::from_points(config, &points, &test).map_err(to_js_error)?;
        let data = Dataset {
            name: "user".into(),
            task: Task::Classification,
            dim: 2,
            train_x: points.iter().flat_map(|p| [p.x, p.y]).collect(),
            train_y: points.iter().map(|p| p.label.unwrap_or(f64::NAN)).collect(),
            test_x: test.iter().flat_map(|p| [p.x, p.y]).collect(),
            test_y: test.iter().map(|p| p.label).collect(),
            train_names: Vec::new(),
            test_names: Vec::new(),
        };
        Ok(ActiveLab {
            experiment,
            data,
            final_solve: None,
        })
    }

    /// Replays an exported run (see [`ActiveLab::export`]) to the same bits.
    #[wasm_bindgen(js_name = importRun)]
    pub fn import_run(record_json: &str) -> Result<ActiveLab, JsValue> {
        let record = RunRecord::from_json(record_json).map_err(to_js_error)?;
        let experiment = Experiment::import(&record).map_err(to_js_error)?;
        let pool = experiment.pool();
        let test = experiment.test_set();
        let strip = |p: &crate::active::pool::Pool| -> Vec<f64> {
            (0..p.n)
                .flat_map(|i| p.row(i)[..p.d - 1].to_vec())
                .collect()
        };
        let data = Dataset {
            name: experiment.dataset_name().into(),
            task: Task::Classification,
            dim: pool.d - 1,
            train_x: strip(pool),
            train_y: (0..pool.n)
                .map(|i| experiment.known_label(i).unwrap_or(f64::NAN))
                .collect(),
            test_x: strip(test),
            test_y: test.y.clone(),
            train_names: Vec::new(),
            test_names: Vec::new(),
        };
        // The words of a sentiment run are not in the record: regenerate them from its config when
        // that gives the very same pool.
        let data = match experiment.config().data.generate() {
            Ok(d) if d.train_x == data.train_x && d.test_x == data.test_x => Dataset {
                train_names: d.train_names,
                test_names: d.test_names,
                ..data
            },
            _ => data,
        };
        Ok(ActiveLab {
            experiment,
            data,
            final_solve: None,
        })
    }

    /// The whole run as JSON (config, points, gate vectors, answers), replayable bit for bit here
    /// and by `convexlab active --replay`.
    pub fn export(&self) -> Result<String, JsValue> {
        self.experiment.export().to_json().map_err(to_js_error)
    }

    /// Starts a round (or returns the one in progress), answers every queried point whose label is
    /// known, and returns the pool indices still waiting for the person (empty: the round is done
    /// or the run has stopped).
    #[wasm_bindgen(js_name = proposeAndAutoAnswer)]
    pub fn propose_and_auto_answer(&mut self) -> Result<Vec<u32>, JsValue> {
        self.experiment.propose().map_err(to_js_error)?;
        let need = self.experiment.auto_answer().map_err(to_js_error)?;
        Ok(need.into_iter().map(|i| i as u32).collect())
    }

    /// Starts a round without revealing any label: returns the pool indices the learner asks about
    /// (the person answers each with [`ActiveLab::answer`]; empty once the run has stopped).
    pub fn propose(&mut self) -> Result<Vec<u32>, JsValue> {
        let pending = self.experiment.propose().map_err(to_js_error)?;
        Ok(pending.into_iter().map(|i| i as u32).collect())
    }

    /// The person's label (1 or -1) for a pending pool point; returns the snapshot.
    pub fn answer(&mut self, point: usize, label: f64) -> Result<JsValue, JsValue> {
        let snapshot = self.experiment.answer(point, label).map_err(to_js_error)?;
        to_js(&snapshot)
    }

    /// The dataset: `{ name, task, dim, train_x, train_y, test_x, test_y }` (row-major inputs).
    pub fn dataset(&self) -> Result<JsValue, JsValue> {
        to_js(&self.data)
    }

    /// The run's report so far (see `active::Report`), with the number of patterns and parameters.
    pub fn report(&self) -> Result<JsValue, JsValue> {
        to_js(&self.experiment.report())
    }

    /// One round: query, reveal labels from the preset's ground truth, cut, recentre. Returns the
    /// snapshot (see `active::Snapshot`).
    pub fn step(&mut self) -> Result<JsValue, JsValue> {
        let snapshot = self.experiment.step().map_err(to_js_error)?;
        to_js(&snapshot)
    }

    /// The current snapshot without stepping.
    pub fn snapshot(&self) -> Result<JsValue, JsValue> {
        to_js(&self.experiment.snapshot())
    }

    /// The centre network's output on an `nx x ny` grid over `[x0, x1] x [y0, y1]`, row-major from
    /// `y0`. Planar data only: other input dimensions are an error naming `active.data`, and at
    /// most 512 x 512 values (`active.grid`).
    pub fn grid(
        &self,
        nx: usize,
        ny: usize,
        x0: f64,
        x1: f64,
        y0: f64,
        y1: f64,
    ) -> Result<Vec<f64>, JsValue> {
        self.check_planar_grid(nx, ny)?;
        Ok(self.experiment.decision_grid(nx, ny, [x0, x1, y0, y1]))
    }

    /// The centre network on `n` equispaced inputs of `[x0, x1]` (1-D data: the regression task);
    /// other input dimensions are an error naming `active.data`, more than 4096 points
    /// `active.curve`.
    pub fn curve(&self, n: usize, x0: f64, x1: f64) -> Result<Vec<f64>, JsValue> {
        let d = self.experiment.pool().d;
        if d != 2 {
            return Err(to_js_error(Error::UnknownName {
                field: "active.data".into(),
                value: format!("{}-dimensional inputs", d - 1),
                expected: "1-dimensional data for a fitted curve".into(),
            }));
        }
        crate::error::check_range_usize("active.curve", n, 2, 4096).map_err(to_js_error)?;
        Ok((0..n)
            .map(|k| {
                let x = x0 + (x1 - x0) * k as f64 / (n - 1) as f64;
                self.experiment.predict(&[x])
            })
            .collect())
    }

    /// Solves (AFS) on the current cut points with the reference's settings (`beta = 1e-5`) and
    /// keeps it for [`ActiveLab::final_grid`]; returns `{ cuts, test_accuracy, objective, loss,
    /// group_norm, iterations, outer_iterations, newton_steps, converged, active_blocks, kkt }`.
    /// Errors name `active.final cut points` when there is no cut yet.
    #[wasm_bindgen(js_name = finalSolve)]
    pub fn final_solve(&mut self) -> Result<JsValue, JsValue> {
        let cuts = self.experiment.version_space().cuts();
        if cuts == 0 {
            return Err(to_js_error(Error::Empty {
                field: "active.final cut points".into(),
                min: 1,
            }));
        }
        let afs = self
            .experiment
            .final_solve(&FinalSolveOptions::default())
            .map_err(to_js_error)?;
        #[derive(serde::Serialize)]
        struct Summary<'a> {
            cuts: usize,
            test_accuracy: Option<f64>,
            objective: f64,
            loss: f64,
            group_norm: f64,
            iterations: usize,
            outer_iterations: usize,
            newton_steps: usize,
            converged: bool,
            active_blocks: usize,
            kkt: &'a crate::active::final_solve::KktResiduals,
        }
        let out = to_js(&Summary {
            cuts,
            test_accuracy: afs.accuracy(self.experiment.test_set()),
            objective: afs.objective,
            loss: afs.loss,
            group_norm: afs.group_norm,
            iterations: afs.iterations,
            outer_iterations: afs.outer_iterations,
            newton_steps: afs.newton_steps,
            converged: afs.converged,
            active_blocks: afs.active_blocks,
            kkt: &afs.kkt,
        });
        self.final_solve = Some((afs, cuts));
        out
    }

    /// The last final solve's network on a grid, as [`ActiveLab::grid`] draws the centre's; an
    /// error if none was made for the current cuts.
    #[wasm_bindgen(js_name = finalGrid)]
    pub fn final_grid(
        &self,
        nx: usize,
        ny: usize,
        x0: f64,
        x1: f64,
        y0: f64,
        y1: f64,
    ) -> Result<Vec<f64>, JsValue> {
        self.check_planar_grid(nx, ny)?;
        let cuts = self.experiment.version_space().cuts();
        let Some((afs, _)) = self.final_solve.as_ref().filter(|(_, c)| *c == cuts) else {
            return Err(js_sys::Error::new(
                "no final solve for the current cuts yet: press Final solve",
            )
            .into());
        };
        let at = |n: usize, a: f64, b: f64, k: usize| {
            if n > 1 {
                a + (b - a) * k as f64 / (n - 1) as f64
            } else {
                a
            }
        };
        let mut out = Vec::with_capacity(nx * ny);
        for r in 0..ny {
            for c in 0..nx {
                out.push(afs.predict(&[at(nx, x0, x1, c), at(ny, y0, y1, r)]));
            }
        }
        Ok(out)
    }
}

impl ActiveLab {
    /// Errors unless the inputs are planar (`active.data`) and the grid is at most 512 per side
    /// (`active.grid`).
    fn check_planar_grid(&self, nx: usize, ny: usize) -> Result<(), JsValue> {
        let d = self.experiment.pool().d;
        if d != 3 {
            return Err(to_js_error(Error::UnknownName {
                field: "active.data".into(),
                value: format!("{}-dimensional inputs", d - 1),
                expected: "planar (2-dimensional) data for a decision field".into(),
            }));
        }
        crate::error::check_range_usize("active.grid", nx.max(ny), 1, 512).map_err(to_js_error)
    }
}

fn from_js<T: serde::de::DeserializeOwned>(field: &str, value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        to_js_error(Error::Parse {
            field: field.into(),
            message: e.to_string(),
        })
    })
}

/// Parses the person's CSV text (`x,y,label` lines, see [`crate::data::parse_points_csv`]) into
/// `[{ x, y, label }]`; errors name the line and column (`points.csv line 3 column label`).
#[wasm_bindgen(js_name = parsePointsCsv)]
pub fn parse_points_csv(text: &str) -> Result<JsValue, JsValue> {
    let points = crate::data::parse_points_csv(text).map_err(to_js_error)?;
    to_js(&points)
}

/// The preset's noise-free label (or regression target) at input `x`, for answering a synthesised
/// query ([`crate::data::ground_truth`]); errors name the field (`data.preset` for data without a
/// labelling function).
#[wasm_bindgen(js_name = groundTruth)]
pub fn ground_truth(data_spec_json: &str, x: &[f64]) -> Result<f64, JsValue> {
    let spec: crate::data::DataSpec = serde_json::from_str(data_spec_json).map_err(|e| {
        to_js_error(Error::Parse {
            field: "data".into(),
            message: e.to_string(),
        })
    })?;
    crate::data::ground_truth(&spec, x).map_err(to_js_error)
}
