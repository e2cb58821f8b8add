//! Adapter of lab 1 (active learning by cutting planes) for the page: one experiment held by the
//! engine worker, stepped one round at a time, with the centre network's decision field on request.

use super::{to_js, to_js_error};
use crate::active::{Config, Experiment, RunRecord, UserPoint};
use crate::data::{Dataset, LabelledPoint, Task};
use crate::error::Error;
use wasm_bindgen::prelude::*;

/// A running active-learning experiment with its dataset.
#[wasm_bindgen]
pub struct ActiveLab {
    experiment: Experiment,
    data: Dataset,
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
        Ok(ActiveLab { experiment, data })
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
        Ok(ActiveLab { experiment, data })
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
        Ok(ActiveLab { experiment, data })
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
    /// `y0` (planar data only).
    pub fn grid(&self, nx: usize, ny: usize, x0: f64, x1: f64, y0: f64, y1: f64) -> Vec<f64> {
        self.experiment.decision_grid(nx, ny, [x0, x1, y0, y1])
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
