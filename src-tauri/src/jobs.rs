//! Converge jobs in the app: the host (crates/converge-host) opened at start beside the
//! inbox, the user's jobs file in the config directory, and the demo jobs started on the
//! very first start so a new user sees agents work and an approval arrive.

use std::path::PathBuf;

use api::JobError;
use converge_host::{
    parse_jobs, ConvergeHost, HostError, JobDefinition, JobsOverview, DEFAULT_JOBS,
};
use inbox::Inbox;
use tauri::{AppHandle, Manager};

use crate::problems;

/// How many runs the Jobs tab and `jobs.list` show: it is read again at every run event.
const RECENT_RUNS: usize = 50;

pub struct Jobs {
    host: ConvergeHost,
    file: PathBuf,
}

impl Jobs {
    /// `start_examples`: on the very first start, run the jobs file's example jobs (not with
    /// `--demo`, whose own examples are enough to look at: the jobs wait in the Jobs tab).
    pub fn start(app: &AppHandle, inbox: Inbox, start_examples: bool) -> Result<Self, String> {
        let path = app.path();
        let data = path.app_data_dir().map_err(|e| e.to_string())?;
        let config = path.app_config_dir().map_err(|e| e.to_string())?;
        let file = config.join("jobs.toml");
        let first_start = !file.exists();
        if first_start {
            std::fs::create_dir_all(&config)
                .and_then(|()| std::fs::write(&file, DEFAULT_JOBS))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        // The host spawns the runs it resumes: it needs the async runtime's context.
        let _runtime = tauri::async_runtime::handle().inner().enter();
        let (host, recovery) = ConvergeHost::open(inbox, &data.join("jobs.db"))
            .map_err(|e| format!("cannot open the Converge jobs: {e}"))?;
        if !recovery.resumed.is_empty() || !recovery.interrupted.is_empty() {
            tracing::info!(?recovery, "converge: picked up the last session's runs");
        }
        let jobs = Self { host, file };
        if first_start && start_examples {
            for job in jobs.definitions().map_err(|e| e.to_string())? {
                jobs.host.start(job).map_err(|e| e.to_string())?;
            }
        }
        Ok(jobs)
    }

    /// Read from the file each time, so the user's edits apply without a restart.
    pub fn definitions(&self) -> Result<Vec<JobDefinition>, JobError> {
        let text = std::fs::read_to_string(&self.file).map_err(|e| {
            JobError::Unavailable(format!("cannot read {}: {e}", self.file.display()))
        })?;
        parse_jobs(&text)
            .map_err(|e| JobError::Unavailable(format!("{}: {e}", self.file.display())))
    }

    pub fn overview(&self) -> Result<JobsOverview, JobError> {
        let (definitions, problem) = match self.definitions() {
            Ok(definitions) => (definitions, None),
            Err(problem) => (Vec::new(), Some(problem.to_string())),
        };
        let runs = self.host.runs(RECENT_RUNS).map_err(unavailable)?;
        Ok(JobsOverview {
            definitions,
            problem,
            runs,
        })
    }

    /// Starts the job with this id from the jobs file; returns the run id.
    pub fn run(&self, job_id: &str) -> Result<String, JobError> {
        let job = self
            .definitions()?
            .into_iter()
            .find(|job| job.id == job_id)
            .ok_or_else(|| JobError::NoSuchJob {
                job_id: job_id.to_owned(),
                file: self.file.display().to_string(),
            })?;
        self.host.start(job).map_err(unavailable)
    }
}

fn unavailable(e: HostError) -> JobError {
    JobError::Unavailable(e.to_string())
}

/// Opens the jobs; if that fails the app runs on without them and says why.
pub fn install(app: &AppHandle, inbox: Inbox, start_examples: bool) {
    match Jobs::start(app, inbox, start_examples) {
        Ok(jobs) => {
            app.manage(jobs);
        }
        Err(problem) => problems::report(app, "Converge jobs are unavailable", &problem),
    }
}

/// The jobs as the local API offers them (`jobs.list`, `job.start`: `ctray job start`).
pub struct ApiJobs(pub AppHandle);

impl api::JobControl for ApiJobs {
    fn list(&self) -> Result<JobsOverview, JobError> {
        self.jobs()?.overview()
    }

    fn start(&self, job_id: &str) -> Result<protocol::rpc::JobStarted, JobError> {
        let run_id = self.jobs()?.run(job_id)?;
        Ok(protocol::rpc::JobStarted {
            agent_id: format!("converge:{run_id}"),
            run_id,
        })
    }
}

impl ApiJobs {
    fn jobs(&self) -> Result<tauri::State<'_, Jobs>, JobError> {
        of(&self.0)
    }
}

/// The app's jobs; absent when they could not be opened at start (the user was told then).
pub fn of(app: &AppHandle) -> Result<tauri::State<'_, Jobs>, JobError> {
    app.try_state::<Jobs>().ok_or_else(|| {
        JobError::Unavailable("Converge jobs are unavailable in the app (see its log)".into())
    })
}
