//! The build context: the files of a project folder that `.dockerignore` lets through,
//! walked as Docker's CLI walks them and streamed to the engine as a tar, so a dataset
//! folder in the project is never read, let alone sent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::dockerignore::DockerIgnore;

/// Where the Dockerfile goes in the tar when it lies outside the context folder.
pub const OUTSIDE_DOCKERFILE: &str = ".berth.Dockerfile";

/// Why the context could not be packed.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The context folder is missing or not a folder.
    #[error("the build context '{}' is not a folder: check `build.context` in devcontainer.json", path.display())]
    NotAFolder {
        /// The folder.
        path: PathBuf,
    },
    /// The ignore file is unreadable or has an invalid pattern.
    #[error("failed to read '{}': {message}", path.display())]
    Ignore {
        /// The ignore file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file of the context could not be read.
    #[error("failed to read '{}' for the build context: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One entry of the context, relative to its root with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the tar.
    pub name: String,
    /// The file on disk.
    pub source: PathBuf,
}

/// What goes into the build context, in the order it is sent.
#[derive(Debug, Clone)]
pub struct Context {
    /// The context folder.
    pub root: PathBuf,
    /// The Dockerfile's path inside the tar.
    pub dockerfile: String,
    /// The ignore file that applied, if any.
    pub ignore_file: Option<PathBuf>,
    /// Every entry, folders before what they hold.
    pub entries: Vec<Entry>,
    /// Entries sent only because Docker always sends the Dockerfile and `.dockerignore`
    /// (the builder reads them; `COPY .` leaves them out when the rules exclude them).
    pub forced: Vec<String>,
}

impl Context {
    /// Walk `root` with Docker's rules. The Dockerfile and `.dockerignore` are always
    /// sent (as the docker CLI does); a Dockerfile outside `root` is added as
    /// [`OUTSIDE_DOCKERFILE`].
    ///
    /// # Errors
    ///
    /// [`ContextError`]: no such folder, a bad ignore file, an unreadable folder.
    pub fn collect(root: &Path, dockerfile: &Path) -> Result<Self, ContextError> {
        if !root.is_dir() {
            return Err(ContextError::NotAFolder {
                path: root.to_owned(),
            });
        }
        let (mut ignore, ignore_file) = super::dockerignore::for_build(root, dockerfile)
            .map_err(|(path, message)| ContextError::Ignore { path, message })?;
        let inside = dockerfile.strip_prefix(root).ok().map(slash_path);
        let mut forced = Vec::new();
        for always in inside.iter().map(String::as_str).chain([".dockerignore"]) {
            if ignore.is_excluded(always) {
                forced.push(always.to_owned());
                ignore.keep(always);
            }
        }
        let mut entries = Vec::new();
        walk(root, root, &ignore, &mut entries)?;
        let dockerfile_name = match inside {
            Some(relative) => relative,
            None => {
                entries.push(Entry {
                    name: OUTSIDE_DOCKERFILE.to_owned(),
                    source: dockerfile.to_owned(),
                });
                OUTSIDE_DOCKERFILE.to_owned()
            }
        };
        Ok(Self {
            root: root.to_owned(),
            dockerfile: dockerfile_name,
            ignore_file,
            entries,
            forced,
        })
    }

    /// The paths that will be sent, as `docker build` would list them.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// BuildKit copies a tar context as it is, without reading `.dockerignore` again:
    /// leave out an ignore file the rules exclude (the filtering is done). A Dockerfile
    /// the rules exclude must stay, so BuildKit's `COPY .` sees it (the classic builder's
    /// does not).
    pub fn without_forced_ignore_file(mut self) -> Self {
        if self.forced.iter().any(|f| f == ".dockerignore") {
            self.entries.retain(|e| e.name != ".dockerignore");
            self.forced.retain(|f| f != ".dockerignore");
        }
        self
    }

    /// The paths `COPY .` sees: everything sent except [`Context::forced`].
    pub fn copied_names(&self) -> Vec<&str> {
        self.names()
            .into_iter()
            .filter(|name| !self.forced.iter().any(|f| f == name))
            .collect()
    }

    /// Stream the context as a tar: returns the receiving end of the chunks and a counter
    /// of bytes produced. Packing runs on a blocking thread and stops when the receiver
    /// is dropped (a cancelled build).
    pub fn stream(
        self,
    ) -> (
        mpsc::Receiver<Result<Bytes, std::io::Error>>,
        Arc<AtomicU64>,
    ) {
        let (sender, receiver) = mpsc::channel(16);
        let sent = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&sent);
        tokio::task::spawn_blocking(move || {
            let writer = ChunkWriter {
                sender: sender.clone(),
                buffer: Vec::with_capacity(CHUNK),
                sent: counter,
            };
            if let Err(err) = self.write_tar(writer) {
                // The receiver learns the build context broke; it may be gone already.
                let _ = sender.blocking_send(Err(err));
            }
        });
        (receiver, sent)
    }

    /// Write the whole tar to `out`.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or `out` failing.
    pub fn write_tar<W: Write>(&self, out: W) -> std::io::Result<()> {
        let mut builder = tar::Builder::new(out);
        for entry in &self.entries {
            append(&mut builder, entry).map_err(|err| {
                std::io::Error::new(
                    err.kind(),
                    format!("failed to read '{}': {err}", entry.source.display()),
                )
            })?;
        }
        builder.into_inner()?.flush()
    }
}

/// Add one entry with Docker's ownership (root:root) and the file's own mode and mtime.
fn append<W: Write>(builder: &mut tar::Builder<W>, entry: &Entry) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(&entry.source)?;
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
    header.set_uid(0);
    header.set_gid(0);
    header.set_username("")?;
    header.set_groupname("")?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(&entry.source)?;
        header.set_size(0);
        builder.append_link(&mut header, &entry.name, target)
    } else if meta.is_dir() {
        header.set_size(0);
        builder.append_data(&mut header, format!("{}/", entry.name), std::io::empty())
    } else if meta.is_file() {
        let file = std::fs::File::open(&entry.source)?;
        header.set_size(meta.len());
        builder.append_data(&mut header, &entry.name, file)
    } else {
        // Sockets, fifos and devices are not sent; Docker's CLI skips them too.
        Ok(())
    }
}

/// Collect `dir`'s entries under `root`, sorted by name, skipping what `ignore` excludes.
fn walk(
    root: &Path,
    dir: &Path,
    ignore: &DockerIgnore,
    out: &mut Vec<Entry>,
) -> Result<(), ContextError> {
    let read = |source| ContextError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut children: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(read)?
        .collect::<Result<_, _>>()
        .map_err(read)?;
    children.sort_by_key(std::fs::DirEntry::file_name);
    for child in children {
        let path = child.path();
        let name = slash_path(path.strip_prefix(root).unwrap_or(&path));
        let file_type = child.file_type().map_err(|source| ContextError::Read {
            path: path.clone(),
            source,
        })?;
        let excluded = ignore.is_excluded(&name);
        if file_type.is_dir() {
            if excluded && ignore.can_skip_dir(&name) {
                continue;
            }
            if !excluded {
                out.push(Entry {
                    name,
                    source: path.clone(),
                });
            }
            walk(root, &path, ignore, out)?;
        } else if !excluded {
            out.push(Entry { name, source: path });
        }
    }
    Ok(())
}

/// A relative path with `/` separators, whatever the OS.
fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// How much tar to hand to the engine at a time.
const CHUNK: usize = 256 * 1024;

/// A `Write` that forwards fixed-size chunks into a channel, counting bytes.
struct ChunkWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
    sent: Arc<AtomicU64>,
}

impl ChunkWriter {
    fn send_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        let len = chunk.len() as u64;
        self.sender
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "build stopped"))?;
        self.sent.fetch_add(len, Ordering::Relaxed);
        Ok(())
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send_buffer()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            if let Some(stripped) = file.strip_suffix('/') {
                std::fs::create_dir_all(dir.path().join(stripped)).unwrap();
                continue;
            }
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, file.as_bytes()).unwrap();
        }
        dir
    }

    #[test]
    fn an_ignored_dataset_folder_is_not_walked() {
        let dir = project(&[
            ".devcontainer/Dockerfile",
            ".dockerignore",
            "data/imagenet/0001.jpg",
            "train.py",
        ]);
        std::fs::write(dir.path().join(".dockerignore"), "data\n").unwrap();
        let context =
            Context::collect(dir.path(), &dir.path().join(".devcontainer/Dockerfile")).unwrap();
        assert_eq!(
            context.names(),
            [
                ".devcontainer",
                ".devcontainer/Dockerfile",
                ".dockerignore",
                "train.py"
            ]
        );
        assert_eq!(context.dockerfile, ".devcontainer/Dockerfile");
    }

    #[test]
    fn the_dockerfile_and_dockerignore_are_sent_even_when_ignored() {
        let dir = project(&["Dockerfile", ".dockerignore", "x"]);
        std::fs::write(dir.path().join(".dockerignore"), "*\n").unwrap();
        let context = Context::collect(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        assert_eq!(context.names(), [".dockerignore", "Dockerfile"]);
        assert!(context.copied_names().is_empty());
    }

    #[test]
    fn a_dockerfile_outside_the_context_is_added_under_its_own_name() {
        let outside = project(&["Dockerfile"]);
        let dir = project(&["app.py"]);
        let context = Context::collect(dir.path(), &outside.path().join("Dockerfile")).unwrap();
        assert_eq!(context.names(), ["app.py", OUTSIDE_DOCKERFILE]);
        assert_eq!(context.dockerfile, OUTSIDE_DOCKERFILE);
    }

    #[test]
    fn an_ignore_file_beside_the_dockerfile_wins() {
        let dir = project(&[".devcontainer/Dockerfile", "a", "b"]);
        std::fs::write(dir.path().join(".dockerignore"), "a\n").unwrap();
        std::fs::write(
            dir.path().join(".devcontainer/Dockerfile.dockerignore"),
            "b\n",
        )
        .unwrap();
        let context =
            Context::collect(dir.path(), &dir.path().join(".devcontainer/Dockerfile")).unwrap();
        assert!(context.names().contains(&"a"));
        assert!(!context.names().contains(&"b"));
    }

    #[test]
    fn the_tar_holds_the_entries_owned_by_root() {
        let dir = project(&["Dockerfile", "src/main.py", "empty/"]);
        let context = Context::collect(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        let mut bytes = Vec::new();
        context.write_tar(&mut bytes).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut names = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            assert_eq!(entry.header().uid().unwrap(), 0);
            names.push(entry.path().unwrap().display().to_string());
        }
        assert_eq!(names, ["Dockerfile", "empty/", "src/", "src/main.py"]);
    }

    #[test]
    fn a_missing_folder_names_the_setting() {
        let err = Context::collect(Path::new("/nonexistent/x"), Path::new("/nonexistent/x/D"))
            .unwrap_err();
        assert!(err.to_string().contains("build.context"), "{err}");
    }
}
