//! GPU processes named by their environment: NVML gives host pids, and a real container's
//! `/proc/<pid>/cgroup` on this engine must lead back to the Berth environment.

use berth::gpu::{owner, GpuSource, Owners, ReplaySource};
use berth::json::GpuReport;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{InspectContainerOptions, StartContainerOptions};

use crate::project::Project;
use crate::support::images::{self, Base};
use crate::support::{test_name, TestScope};

async fn host_pid(scope: &TestScope, container: &str) -> i64 {
    let info = scope
        .docker()
        .inspect_container(container, None::<InspectContainerOptions>)
        .await
        .unwrap_or_else(|err| panic!("failed to inspect {container}: {err}"));
    info.state
        .and_then(|s| s.pid)
        .filter(|pid| *pid > 0)
        .expect("a running container has a pid")
}

fn cgroup_of(pid: i64) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap_or_else(|err| panic!("failed to read /proc/{pid}/cgroup: {err}"))
}

#[tokio::test]
async fn a_process_in_a_berth_container_is_named_by_its_environment_and_others_are_not() {
    let scope = TestScope::new(test_name!()).await;
    let image = images::ensure(scope.docker(), Base::BookwormDev).await;
    let project = Project::new(&scope, "gpu-owner", &format!(r#"{{"image": "{image}"}}"#)).await;
    let upped = project.up().await;
    let cgroup = cgroup_of(host_pid(&scope, &upped.container_id).await);
    assert_eq!(
        owner::container_id(&cgroup).as_deref(),
        Some(upped.container_id.as_str()),
        "{cgroup}"
    );

    // A container Berth did not make, on the same engine.
    let busybox = images::busybox(scope.docker()).await;
    let foreign = scope
        .create_container(ContainerCreateBody {
            image: Some(busybox),
            cmd: Some(vec!["sleep".to_owned(), "600".to_owned()]),
            host_config: Some(HostConfig::default()),
            ..Default::default()
        })
        .await;
    scope
        .docker()
        .start_container(&foreign, None::<StartContainerOptions>)
        .await
        .unwrap_or_else(|err| panic!("failed to start the foreign container: {err}"));
    let foreign_cgroup = cgroup_of(host_pid(&scope, &foreign).await);

    let owners = Owners::read(project.engine())
        .await
        .unwrap_or_else(|err| panic!("{}", berth::error_chain(&err)));
    let found = owners
        .of(Some(&cgroup))
        .expect("the environment's container is Berth's");
    assert_eq!(found.folder, project.dir);
    assert_eq!(found.id, project.environment().id);
    assert_eq!(owners.of(Some(&foreign_cgroup)), None);
    assert_eq!(owners.of(Some(&cgroup_of(std::process::id().into()))), None);

    // Through the report the window and `berth gpu --json` show: the recorded H200
    // process, given this container's cgroup, is named by the environment.
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gpu/load.jsonl");
    let mut source = ReplaySource::open(&fixture).unwrap();
    let mut snapshot = source.sample().unwrap();
    snapshot.gpus[0].processes[0].cgroup = Some(cgroup);
    let report = GpuReport::ready(&snapshot, &source.describe(), &owners);
    let environment = report.gpus[0].processes[0]
        .environment
        .clone()
        .expect("named");
    assert_eq!(environment.folder, project.dir.display().to_string());
    assert_eq!(
        environment.container,
        container_name(&scope, &upped.container_id).await
    );
}

async fn container_name(scope: &TestScope, id: &str) -> String {
    let info = scope
        .docker()
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .unwrap_or_else(|err| panic!("failed to inspect {id}: {err}"));
    info.name
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned()
}
