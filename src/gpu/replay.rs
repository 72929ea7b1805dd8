//! Recorded GPU samples: `berth gpu --replay FILE`, the window's demo data and the tests'
//! source. Reads the JSON-lines recording format of `tests/fixtures/gpu/` (one
//! [`GpuSnapshot`] per line) and writes it (`--record`).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{GpuError, GpuSnapshot, GpuSource};

/// Replays a recording in a loop, one snapshot per [`GpuSource::sample`], with `seq` and
/// `t_ms` running on across loops.
#[derive(Debug, Clone)]
pub struct ReplaySource {
    name: String,
    snapshots: Vec<GpuSnapshot>,
    next: usize,
    seq: u64,
    /// How far each loop moves the clock: the recording's length plus one step.
    loop_ms: u64,
    loops: u64,
}

impl ReplaySource {
    /// Read a recording.
    ///
    /// # Errors
    ///
    /// [`GpuError::ReplayRead`], [`GpuError::ReplayLine`] (with the line number),
    /// [`GpuError::ReplayEmpty`].
    pub fn open(path: &Path) -> Result<Self, GpuError> {
        let text = std::fs::read_to_string(path).map_err(|source| GpuError::ReplayRead {
            path: path.to_owned(),
            source,
        })?;
        let snapshots = parse(&text).map_err(|(line, message)| GpuError::ReplayLine {
            path: path.to_owned(),
            line,
            message,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Self::new(name, snapshots).ok_or_else(|| GpuError::ReplayEmpty {
            path: path.to_owned(),
        })
    }

    /// A replay of `snapshots`; `None` when there are none.
    pub fn new(name: String, snapshots: Vec<GpuSnapshot>) -> Option<Self> {
        let first = snapshots.first()?.t_ms;
        let last = snapshots.last()?.t_ms;
        let step = if snapshots.len() > 1 {
            (last - first) / (snapshots.len() as u64 - 1)
        } else {
            1000
        };
        Some(Self {
            name,
            loop_ms: last - first + step.max(1),
            snapshots,
            next: 0,
            seq: 0,
            loops: 0,
        })
    }
}

/// One snapshot per non-empty line; the first bad line as (line number, what is wrong).
fn parse(text: &str) -> Result<Vec<GpuSnapshot>, (usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).map_err(|err| (n + 1, err.to_string())))
        .collect()
}

impl GpuSource for ReplaySource {
    fn sample(&mut self) -> Result<GpuSnapshot, GpuError> {
        let start = self.snapshots[0].t_ms;
        let mut snapshot = self.snapshots[self.next].clone();
        snapshot.seq = self.seq;
        snapshot.t_ms = snapshot.t_ms - start + self.loops * self.loop_ms;
        self.seq += 1;
        self.next += 1;
        if self.next == self.snapshots.len() {
            self.next = 0;
            self.loops += 1;
        }
        Ok(snapshot)
    }

    fn describe(&self) -> String {
        format!("replay of {}", self.name)
    }
}

/// Writes snapshots as a recording, one JSON line each, flushed per line so a recording
/// cut short by Ctrl-C is still readable.
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
}

impl Recorder {
    /// Create (or truncate) the recording at `path`.
    ///
    /// # Errors
    ///
    /// [`GpuError::RecordWrite`].
    pub fn create(path: &Path) -> Result<Self, GpuError> {
        let file = std::fs::File::create(path).map_err(|source| GpuError::RecordWrite {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            file: std::io::BufWriter::new(file),
        })
    }

    /// Append one snapshot.
    ///
    /// # Errors
    ///
    /// [`GpuError::RecordWrite`].
    pub fn write(&mut self, snapshot: &GpuSnapshot) -> Result<(), GpuError> {
        let error = |source| GpuError::RecordWrite {
            path: self.path.clone(),
            source,
        };
        serde_json::to_writer(&mut self.file, snapshot).map_err(|err| error(err.into()))?;
        self.file.write_all(b"\n").map_err(error)?;
        self.file.flush().map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/gpu")
            .join(name)
    }

    #[test]
    fn a_replay_loops_with_the_clock_running_on() {
        let mut source = ReplaySource::open(&fixture("idle.jsonl")).unwrap();
        let times: Vec<u64> = (0..7).map(|_| source.sample().unwrap().t_ms).collect();
        // idle.jsonl: 5 samples about 0.5 s apart, starting at t = 32 ms.
        assert_eq!(times[0], 0);
        assert!(times.windows(2).all(|w| w[1] > w[0]), "{times:?}");
        assert!((450..=560).contains(&(times[6] - times[5])), "{times:?}");
        assert_eq!(source.describe(), "replay of idle.jsonl");
    }

    #[test]
    fn a_recording_reads_back_as_written() {
        let mut source = ReplaySource::open(&fixture("load.jsonl")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut recorder = Recorder::create(&path).unwrap();
        let written: Vec<GpuSnapshot> = (0..3).map(|_| source.sample().unwrap()).collect();
        for snapshot in &written {
            recorder.write(snapshot).unwrap();
        }
        let mut again = ReplaySource::open(&path).unwrap();
        let read: Vec<GpuSnapshot> = (0..3).map(|_| again.sample().unwrap()).collect();
        assert_eq!(read, written);
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.jsonl");
        let good = std::fs::read_to_string(fixture("idle.jsonl")).unwrap();
        let first = good.lines().next().unwrap();
        std::fs::write(&path, format!("{first}\n{{\"gpus\": 3}}\n")).unwrap();
        let err = ReplaySource::open(&path).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("bad.jsonl") && text.contains("line 2"),
            "{text}"
        );
    }

    #[test]
    fn an_empty_or_missing_recording_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.jsonl");
        std::fs::write(&empty, "\n").unwrap();
        assert!(matches!(
            ReplaySource::open(&empty),
            Err(GpuError::ReplayEmpty { .. })
        ));
        assert!(matches!(
            ReplaySource::open(&dir.path().join("none.jsonl")),
            Err(GpuError::ReplayRead { .. })
        ));
    }
}
