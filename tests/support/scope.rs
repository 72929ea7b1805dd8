//! Test scopes: every engine object a test makes carries its scope's labels, and dropping
//! the scope removes them all — also when the test fails or panics. A sweep at the first
//! scope of each process removes what crashed runs left behind.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::models::{ContainerCreateBody, HostConfig, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptionsBuilder, ListImagesOptionsBuilder,
    ListNetworksOptionsBuilder, ListVolumesOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveVolumeOptions,
};
use bollard::Docker;
use tokio::sync::OnceCell;

use super::{engine, progress};

/// The label every test object carries; its value is the scope id.
pub const TEST_LABEL: &str = "dev.berth.test";
/// The label naming the test that made an object, for whoever finds a leftover.
pub const TEST_NAME_LABEL: &str = "dev.berth.test.name";
/// Objects from scopes older than this are leftovers of crashed runs.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// Numbers the scopes of this process, so that every scope id is unique.
static NEXT_SCOPE: AtomicU64 = AtomicU64::new(1);
/// The sweep runs once per process, at the first scope.
static SWEPT: OnceCell<()> = OnceCell::const_new();

/// One test's engine objects. Create it first in a test; everything made through it, or
/// labelled with [`TestScope::labels`], is removed when it is dropped.
pub struct TestScope {
    docker: Docker,
    id: String,
    name: String,
    /// Image references this scope tagged or built without its labels.
    images: Mutex<Vec<String>>,
    /// Volumes made for this scope without its labels (by the reference CLI).
    volumes: Mutex<Vec<String>>,
}

impl TestScope {
    /// A fresh scope for the test `name` (use [`crate::support::test_name!`]).
    ///
    /// # Panics
    ///
    /// When no engine answers.
    pub async fn new(name: impl Into<String>) -> Self {
        let docker = engine::connect().await;
        SWEPT
            .get_or_init(|| async {
                // A failing sweep must not fail the test that happened to trigger it.
                match sweep_stale(&docker, STALE_AFTER).await {
                    Ok(0) => {}
                    Ok(removed) => progress(format!(
                        "swept {removed} leftover test objects older than {} min",
                        STALE_AFTER.as_secs() / 60
                    )),
                    Err(err) => progress(format!("sweeping leftovers failed: {err}")),
                }
            })
            .await;
        let id = scope_id(
            SystemTime::now(),
            NEXT_SCOPE.fetch_add(1, Ordering::Relaxed),
        );
        Self {
            docker,
            id,
            name: name.into(),
            images: Mutex::new(Vec::new()),
            volumes: Mutex::new(Vec::new()),
        }
    }

    /// The engine connection of this scope.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    /// Berth's own connection to the engine, for calling the core.
    pub async fn engine(&self) -> berth::engine::Engine {
        engine::berth_engine().await
    }

    /// This scope's id: the value of its `dev.berth.test` label.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The test this scope belongs to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The labels every object of this scope must carry.
    pub fn labels(&self) -> HashMap<String, String> {
        HashMap::from([
            (TEST_LABEL.to_owned(), self.id.clone()),
            (TEST_NAME_LABEL.to_owned(), self.name.clone()),
        ])
    }

    /// An engine filter matching exactly this scope's objects.
    pub fn filter(&self) -> HashMap<String, Vec<String>> {
        label_filter(&self.id)
    }

    /// A name for an object of this scope, unique across scopes and processes, e.g. for
    /// a volume: `berth-test-1764121200-4242-3-packages`.
    pub fn unique_name(&self, what: &str) -> String {
        format!("berth-test-{}-{what}", self.id)
    }

    /// A folder for a project of this test, `<tmp>/berth-test-projects/<scope id>/<name>`
    /// (created). Everything Berth makes for projects under it (labelled with their folder)
    /// is removed with the scope, and the folders too.
    pub fn project_dir(&self, name: &str) -> std::path::PathBuf {
        let dir = projects_root().join(&self.id).join(name);
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|err| panic!("failed to create {}: {err}", dir.display()));
        dir
    }

    /// Remove the image `reference` with this scope too: for images the test tagged or
    /// built without the scope's labels. (Labelled images are found by their label.)
    pub fn track_image(&self, reference: impl Into<String>) {
        lock_ignoring_poison(&self.images).push(reference.into());
    }

    /// Remove the volume `name` with this scope too: for volumes another tool made.
    pub fn track_volume(&self, name: impl Into<String>) {
        lock_ignoring_poison(&self.volumes).push(name.into());
    }

    /// Create a labelled named volume; returns its name.
    pub async fn create_volume(&self, what: &str) -> String {
        let name = self.unique_name(what);
        let request = VolumeCreateRequest {
            name: Some(name.clone()),
            labels: Some(self.labels()),
            ..Default::default()
        };
        self.docker
            .create_volume(request)
            .await
            .unwrap_or_else(|err| panic!("failed to create test volume '{name}': {err}"));
        name
    }

    /// Create a labelled bridge network; returns its name.
    pub async fn create_network(&self, what: &str) -> String {
        let name = self.unique_name(what);
        let request = NetworkCreateRequest {
            name: name.clone(),
            labels: Some(self.labels()),
            ..Default::default()
        };
        self.docker
            .create_network(request)
            .await
            .unwrap_or_else(|err| panic!("failed to create test network '{name}': {err}"));
        name
    }

    /// Create (not start) a labelled container from `body`; the scope's labels are added
    /// to any the body has. Returns the container's id.
    pub async fn create_container(&self, mut body: ContainerCreateBody) -> String {
        let image = body.image.clone().unwrap_or_default();
        body.labels
            .get_or_insert_with(HashMap::new)
            .extend(self.labels());
        if body.host_config.is_none() {
            body.host_config = Some(HostConfig::default());
        }
        self.docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .unwrap_or_else(|err| {
                panic!("failed to create a test container from image '{image}': {err}")
            })
            .id
    }
}

impl Drop for TestScope {
    /// Remove everything this scope made, synchronously, on a thread of its own: the
    /// test's runtime may be the current thread, and may be unwinding.
    fn drop(&mut self) {
        let id = self.id.clone();
        let images = std::mem::take(&mut *lock_ignoring_poison(&self.images));
        let volumes = std::mem::take(&mut *lock_ignoring_poison(&self.volumes));
        let outcome = std::thread::Builder::new()
            .name(format!("berth-test-cleanup-{id}"))
            .spawn(move || -> Result<(), String> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|err| format!("failed to start a runtime for cleanup: {err}"))?;
                runtime.block_on(async {
                    // A fresh connection: the test's one belongs to the test's runtime.
                    let docker = engine::connect().await;
                    let projects = projects_root().join(&id);
                    let berth =
                        remove_berth_objects(&docker, |folder| folder.starts_with(&projects)).await;
                    let _ = std::fs::remove_dir_all(&projects);
                    let scope = remove_scope_objects(&docker, &id, &images).await;
                    let mut errors = Vec::new();
                    for volume in &volumes {
                        if let Err(err) = remove_volume(&docker, volume).await {
                            errors.push(err);
                        }
                    }
                    let tracked = if errors.is_empty() {
                        Ok(())
                    } else {
                        Err(errors.join("; "))
                    };
                    berth.and(scope).and(tracked)
                })
            })
            .map_err(|err| format!("failed to start the cleanup thread: {err}"))
            .and_then(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err("the cleanup thread panicked".to_owned()))
            });
        if let Err(err) = outcome {
            let message = format!(
                "test '{}' leaked engine objects labelled {TEST_LABEL}={}: {err}",
                self.name, self.id
            );
            if std::thread::panicking() {
                // Panicking again would abort the whole test binary.
                progress(message);
            } else {
                panic!("{message}");
            }
        }
    }
}

/// What is left in the engine of one scope.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// Container ids.
    pub containers: Vec<String>,
    /// Volume names.
    pub volumes: Vec<String>,
    /// Network names.
    pub networks: Vec<String>,
    /// Image ids.
    pub images: Vec<String>,
}

impl Leftovers {
    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Everything in the engine labelled with scope `id`.
pub async fn leftovers(docker: &Docker, id: &str) -> Leftovers {
    let filter = label_filter(id);
    let context = |what: &str, err: bollard::errors::Error| -> ! {
        panic!("failed to list test {what} labelled {TEST_LABEL}={id}: {err}")
    };
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filter)
                .build(),
        ))
        .await
        .unwrap_or_else(|err| context("containers", err));
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .unwrap_or_else(|err| context("volumes", err));
    let networks = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .unwrap_or_else(|err| context("networks", err));
    // Intermediate images too: a classic build's later steps (each `--label` is one)
    // inherit the scope's label, and they are hidden from a plain listing.
    let images = docker
        .list_images(Some(
            ListImagesOptionsBuilder::new()
                .all(true)
                .filters(&filter)
                .build(),
        ))
        .await
        .unwrap_or_else(|err| context("images", err));
    Leftovers {
        containers: containers.into_iter().filter_map(|c| c.id).collect(),
        volumes: volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect(),
        networks: networks.into_iter().filter_map(|n| n.name).collect(),
        images: images.into_iter().map(|i| i.id).collect(),
    }
}

/// Remove what crashed runs left: every object labelled `dev.berth.test` whose scope is
/// older than `max_age`. The cached base images carry other labels and stay. Returns how
/// many objects were removed; objects another process removes first are not an error.
pub async fn sweep_stale(docker: &Docker, max_age: Duration) -> Result<usize, String> {
    let now = SystemTime::now();
    let is_stale = |labels: Option<&HashMap<String, String>>| {
        labels
            .and_then(|labels| labels.get(TEST_LABEL))
            .and_then(|id| scope_started(id))
            .and_then(|started| now.duration_since(started).ok())
            .is_some_and(|age| age > max_age)
    };
    let any_test_object = HashMap::from([("label", vec![TEST_LABEL])]);
    let mut removed = 0;
    let mut errors = Vec::new();

    let test_objects = labelled(docker, TEST_LABEL).await?;
    let stale = test_objects.keep(|labels| is_stale(Some(labels)));
    remove_labelled(docker, &stale, &mut removed, &mut errors).await;

    let networks = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::new()
                .filters(&any_test_object)
                .build(),
        ))
        .await
        .map_err(|err| format!("failed to list test networks: {err}"))?;
    for network in networks.iter().filter(|n| is_stale(n.labels.as_ref())) {
        let Some(name) = network.name.as_deref() else {
            continue;
        };
        tally(
            remove_network(docker, name).await,
            &mut removed,
            &mut errors,
        );
    }

    let root = projects_root();
    let stale_folder = |folder: &Path| {
        folder
            .strip_prefix(&root)
            .ok()
            .and_then(|rest| rest.components().next())
            .and_then(|scope| scope_started(&scope.as_os_str().to_string_lossy()))
            .and_then(|started| now.duration_since(started).ok())
            .is_some_and(|age| age > max_age)
    };
    if let Err(err) = remove_berth_objects(docker, stale_folder).await {
        errors.push(err);
    }

    if errors.is_empty() {
        Ok(removed)
    } else {
        Err(errors.join("; "))
    }
}

/// Where the tests' projects live; Berth labels what it makes with their folders.
pub fn projects_root() -> std::path::PathBuf {
    std::env::temp_dir().join("berth-test-projects")
}

/// Remove every object Berth made (containers, then images, then volumes) for a
/// project whose folder `matches`.
async fn remove_berth_objects(
    docker: &Docker,
    matches: impl Fn(&Path) -> bool,
) -> Result<(), String> {
    use berth::environment::{FOLDER_LABEL, LOCAL_FOLDER_LABEL, PROJECT_LABEL};
    let in_folder = |key: &str, labels: &HashMap<String, String>| {
        labels
            .get(key)
            .is_some_and(|folder| matches(Path::new(folder)))
    };
    let mut removed = 0;
    let mut errors = Vec::new();
    let mut objects = labelled(docker, PROJECT_LABEL)
        .await?
        .keep(|labels| in_folder(FOLDER_LABEL, labels));
    // The reference CLI's containers of the same projects (side-by-side tests) too.
    let reference = labelled(docker, LOCAL_FOLDER_LABEL)
        .await?
        .keep(|labels| in_folder(LOCAL_FOLDER_LABEL, labels));
    objects.containers.extend(reference.containers);
    remove_labelled(docker, &objects, &mut removed, &mut errors).await;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Remove every object of scope `id` — containers (with their anonymous volumes) first,
/// then volumes, networks and images — plus the image references in `extra_images`.
async fn remove_scope_objects(
    docker: &Docker,
    id: &str,
    extra_images: &[String],
) -> Result<(), String> {
    let mut removed = 0;
    let mut errors = Vec::new();
    let found = leftovers(docker, id).await;
    for container in &found.containers {
        tally(
            remove_container(docker, container).await,
            &mut removed,
            &mut errors,
        );
    }
    for volume in &found.volumes {
        tally(
            remove_volume(docker, volume).await,
            &mut removed,
            &mut errors,
        );
    }
    for network in &found.networks {
        tally(
            remove_network(docker, network).await,
            &mut removed,
            &mut errors,
        );
    }
    remove_images(docker, extra_images.to_vec(), &mut removed, &mut errors).await;
    let images = leftovers(docker, id).await.images;
    remove_images(docker, images, &mut removed, &mut errors).await;
    let left = leftovers(docker, id).await;
    if !left.is_empty() {
        errors.push(format!("still there after cleanup: {left:?}"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The containers, images (intermediate ones too) and volumes that carry a label.
#[derive(Debug, Default)]
struct Labelled {
    /// Container ids with their labels.
    containers: Vec<(String, HashMap<String, String>)>,
    /// Image ids with their labels.
    images: Vec<(String, HashMap<String, String>)>,
    /// Volume names with their labels.
    volumes: Vec<(String, HashMap<String, String>)>,
}

impl Labelled {
    /// Only the objects whose labels `wanted` accepts.
    fn keep(self, wanted: impl Fn(&HashMap<String, String>) -> bool) -> Self {
        let filter = |list: Vec<(String, HashMap<String, String>)>| {
            list.into_iter()
                .filter(|(_, labels)| wanted(labels))
                .collect()
        };
        Self {
            containers: filter(self.containers),
            images: filter(self.images),
            volumes: filter(self.volumes),
        }
    }
}

/// Every container, image and volume carrying the label `key` (any value).
async fn labelled(docker: &Docker, key: &str) -> Result<Labelled, String> {
    let filter = HashMap::from([("label", vec![key])]);
    let containers = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filter)
                .build(),
        ))
        .await
        .map_err(|err| format!("failed to list containers labelled {key}: {err}"))?;
    let images = docker
        .list_images(Some(
            ListImagesOptionsBuilder::new()
                .all(true)
                .filters(&filter)
                .build(),
        ))
        .await
        .map_err(|err| format!("failed to list images labelled {key}: {err}"))?;
    let volumes = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::new().filters(&filter).build(),
        ))
        .await
        .map_err(|err| format!("failed to list volumes labelled {key}: {err}"))?;
    Ok(Labelled {
        containers: containers
            .into_iter()
            .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
            .collect(),
        images: images.into_iter().map(|i| (i.id, i.labels)).collect(),
        volumes: volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.name, v.labels))
            .collect(),
    })
}

/// Remove `objects`: containers, then images (children first), then volumes.
async fn remove_labelled(
    docker: &Docker,
    objects: &Labelled,
    removed: &mut usize,
    errors: &mut Vec<String>,
) {
    for (id, _) in &objects.containers {
        tally(remove_container(docker, id).await, removed, errors);
    }
    let images = objects.images.iter().map(|(id, _)| id.clone()).collect();
    remove_images(docker, images, removed, errors).await;
    for (name, _) in &objects.volumes {
        tally(remove_volume(docker, name).await, removed, errors);
    }
}

/// Remove the images `ids`, children before parents: an image with a child cannot go
/// (409) until the child is gone, so each pass retries what failed while the last pass
/// removed something. Test images carry a scope's label, so no other scope's build uses
/// them as cache.
async fn remove_images(
    docker: &Docker,
    mut ids: Vec<String>,
    removed: &mut usize,
    errors: &mut Vec<String>,
) {
    while !ids.is_empty() {
        let mut failed = Vec::new();
        let mut progress = false;
        for id in ids {
            match remove_image(docker, &id).await {
                Ok(gone) => {
                    progress = true;
                    *removed += usize::from(gone);
                }
                Err(err) => failed.push((id, err)),
            }
        }
        if !progress {
            errors.extend(failed.into_iter().map(|(_, err)| err));
            return;
        }
        ids = failed.into_iter().map(|(id, _)| id).collect();
    }
}

/// Count a removal, or note why it failed. "Already gone" counts as neither.
fn tally(outcome: Result<bool, String>, removed: &mut usize, errors: &mut Vec<String>) {
    match outcome {
        Ok(true) => *removed += 1,
        Ok(false) => {}
        Err(err) => errors.push(err),
    }
}

/// Force-remove a container and its anonymous volumes; `Ok(false)` when already gone.
async fn remove_container(docker: &Docker, id: &str) -> Result<bool, String> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    gone_is_fine(
        docker.remove_container(id, Some(options)).await,
        &format!("container '{id}'"),
    )
}

/// Remove a volume; `Ok(false)` when already gone.
async fn remove_volume(docker: &Docker, name: &str) -> Result<bool, String> {
    gone_is_fine(
        docker
            .remove_volume(name, None::<RemoveVolumeOptions>)
            .await,
        &format!("volume '{name}'"),
    )
}

/// Remove a network; `Ok(false)` when already gone.
async fn remove_network(docker: &Docker, name: &str) -> Result<bool, String> {
    gone_is_fine(
        docker.remove_network(name).await,
        &format!("network '{name}'"),
    )
}

/// Force-remove an image reference or id; `Ok(false)` when already gone.
///
/// Through the core's `image::remove`, which never prunes untagged parents: with the
/// classic builder those are the build cache shared by every test whose Dockerfile has
/// the same first steps, and pruning them while another test's build commits a step on
/// top of one failed that build ("failed to set parent …: unknown parent image ID").
async fn remove_image(_docker: &Docker, reference: &str) -> Result<bool, String> {
    let engine = engine::berth_engine().await;
    berth::engine::image::remove(&engine, reference, true)
        .await
        .map_err(|err| {
            format!(
                "failed to remove test image '{reference}': {}",
                berth::error_chain(&err)
            )
        })
}

/// `Ok(true)` when removed, `Ok(false)` when it was already gone, else what failed.
fn gone_is_fine(outcome: Result<(), bollard::errors::Error>, what: &str) -> Result<bool, String> {
    match outcome {
        Ok(()) => Ok(true),
        Err(err) if engine::is_not_found(&err) => Ok(false),
        Err(err) => Err(format!("failed to remove test {what}: {err}")),
    }
}

/// `{"label": ["dev.berth.test=<id>"]}`.
fn label_filter(id: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_owned(), vec![format!("{TEST_LABEL}={id}")])])
}

/// A scope id: `<unix seconds>-<pid>-<n>`. It starts with its creation time so that the
/// sweep can age every kind of object the same way, whatever the engine reports for it.
pub fn scope_id(now: SystemTime, n: u64) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("{secs}-{}-{n}", std::process::id())
}

/// When the scope `id` was created; `None` for ids not made by [`scope_id`].
pub fn scope_started(id: &str) -> Option<SystemTime> {
    let secs = id.split('-').next()?.parse::<u64>().ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Lock `mutex`, also when a panicking test poisoned it: cleanup must still run.
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
