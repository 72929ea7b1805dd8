//! The test harness itself: scopes remove what they made (also when a test panics), the
//! sweep removes only old leftovers, and the base image's mirror comes from apt sources.

use std::time::{Duration, SystemTime};

use bollard::models::{ContainerCreateBody, HostConfig, VolumeCreateRequest};
use bollard::query_parameters::{StartContainerOptions, TagImageOptionsBuilder};

use crate::support::apt_sources::{self, AptSource};
use crate::support::scope::{self, TEST_LABEL, TEST_NAME_LABEL};
use crate::support::{engine, images, test_name, TestScope};

#[tokio::test]
async fn a_dropped_scope_removes_its_containers_volumes_networks_and_images() {
    let docker = engine::connect().await;
    let busybox = images::busybox(&docker).await;
    let scope = TestScope::new(test_name!()).await;
    let volume = scope.create_volume("packages").await;
    let network = scope.create_network("net").await;
    let container = scope
        .create_container(ContainerCreateBody {
            image: Some(busybox.clone()),
            cmd: Some(vec!["sleep".to_owned(), "600".to_owned()]),
            host_config: Some(HostConfig {
                binds: Some(vec![format!("{volume}:/data")]),
                network_mode: Some(network.clone()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await;
    docker
        .start_container(&container, None::<StartContainerOptions>)
        .await
        .unwrap_or_else(|err| panic!("failed to start the sleeping container: {err}"));
    let built = format!("{}:latest", scope.unique_name("image"));
    let folder =
        images::BuildFolder::new(&format!("FROM {busybox}\nRUN echo built > /built\n"), &[])
            .unwrap_or_else(|err| panic!("{err}"));
    images::build_image(
        &folder.plan(&built, &scope.labels()),
        images::Echo::Captured,
    )
    .await
    .unwrap_or_else(|err| panic!("{err}"));
    let tagged = format!("{}:tagged", scope.unique_name("tag"));
    let (repo, tag) = tagged.split_once(':').unwrap_or_default();
    docker
        .tag_image(
            &busybox,
            Some(TagImageOptionsBuilder::new().repo(repo).tag(tag).build()),
        )
        .await
        .unwrap_or_else(|err| panic!("failed to tag {busybox} as {tagged}: {err}"));
    scope.track_image(tagged.clone());
    let id = scope.id().to_owned();
    let before = scope::leftovers(&docker, &id).await;
    assert_eq!(
        (
            before.containers.len(),
            before.volumes.len(),
            before.networks.len(),
            before.images.len()
        ),
        (1, 1, 1, 1),
        "{before:?}"
    );

    drop(scope);

    let after = scope::leftovers(&docker, &id).await;
    assert!(after.is_empty(), "left behind: {after:?}");
    let tagged_gone = docker.inspect_image(&tagged).await;
    assert!(
        tagged_gone.as_ref().is_err_and(engine::is_not_found),
        "tracked tag {tagged} survived: {tagged_gone:?}"
    );
    docker
        .inspect_image(&busybox)
        .await
        .unwrap_or_else(|err| panic!("the cached base image {busybox} went with the scope: {err}"));
}

#[test]
fn a_panicking_test_still_removes_what_it_made() {
    let (send_id, scope_id) = std::sync::mpsc::channel();
    let name = test_name!();
    let failed = std::thread::spawn(move || {
        runtime().block_on(async {
            let scope = TestScope::new(name).await;
            scope.create_volume("doomed").await;
            scope.create_network("doomed").await;
            let _ = send_id.send(scope.id().to_owned());
            panic!("a deliberate failure, to test cleanup while unwinding");
        })
    })
    .join();
    assert!(failed.is_err(), "the doomed test did not panic");
    let id = scope_id
        .recv()
        .unwrap_or_else(|err| panic!("the doomed test never made its objects: {err}"));

    let left = runtime().block_on(async { scope::leftovers(&engine::connect().await, &id).await });

    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn the_sweep_removes_leftovers_older_than_an_hour_and_nothing_newer() {
    let scope = TestScope::new(test_name!()).await;
    let docker = scope.docker();
    let fresh = scope.create_volume("fresh").await;
    // A leftover of a run that crashed two hours ago: scope number 0 is never handed out.
    let crashed_id = scope::scope_id(SystemTime::now() - Duration::from_secs(2 * 60 * 60), 0);
    let stale = format!("berth-test-{crashed_id}-stale");
    docker
        .create_volume(VolumeCreateRequest {
            name: Some(stale.clone()),
            labels: Some(
                [
                    (TEST_LABEL.to_owned(), crashed_id.clone()),
                    (TEST_NAME_LABEL.to_owned(), scope.name().to_owned()),
                ]
                .into(),
            ),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|err| panic!("failed to create the stale volume {stale}: {err}"));

    scope::sweep_stale(docker, scope::STALE_AFTER)
        .await
        .unwrap_or_else(|err| panic!("the sweep failed: {err}"));

    let stale_left = docker.inspect_volume(&stale).await;
    assert!(
        stale_left.as_ref().is_err_and(engine::is_not_found),
        "the sweep kept the two-hour-old volume {stale}: {stale_left:?}"
    );
    docker
        .inspect_volume(&fresh)
        .await
        .unwrap_or_else(|err| panic!("the sweep removed the fresh volume {fresh}: {err}"));
}

#[tokio::test]
async fn test_names_read_as_module_paths() {
    assert_eq!(test_name!(), "harness::test_names_read_as_module_paths");
}

#[test]
fn the_mirror_is_the_first_deb822_uri_serving_bookworm() {
    let sources = apt_sources::parse_deb822(
        "Types: deb\n\
         # http://snapshot.debian.org/archive/debian/20250520T000000Z\n\
         URIs: http://deb.debian.org/debian\n\
         Suites: bookworm bookworm-updates\n\
         Components: main\n\
         Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\
         \n\
         Types: deb\n\
         URIs: http://deb.debian.org/debian-security\n\
         Suites: bookworm-security\n\
         Components: main\n",
    );

    assert_eq!(
        apt_sources::choose_mirror(&sources).as_deref(),
        Some("http://deb.debian.org/debian")
    );
}

#[test]
fn deb822_skips_disabled_and_source_only_stanzas_and_reads_continuation_lines() {
    let sources = apt_sources::parse_deb822(
        "Types: deb-src\n\
         URIs: http://src.example/debian\n\
         Suites: bookworm\n\
         \n\
         Enabled: no\n\
         Types: deb\n\
         URIs: http://off.example/debian\n\
         Suites: bookworm\n\
         \n\
         Types: deb\n\
         URIs: https://one.example/debian/\n\
         \x20https://two.example/debian\n\
         Suites: bookworm\n",
    );

    assert_eq!(
        sources,
        vec![
            AptSource {
                uri: "https://one.example/debian/".into(),
                suites: vec!["bookworm".into()],
            },
            AptSource {
                uri: "https://two.example/debian".into(),
                suites: vec!["bookworm".into()],
            },
        ]
    );
    assert_eq!(
        apt_sources::choose_mirror(&sources).as_deref(),
        Some("https://one.example/debian")
    );
}

#[test]
fn one_line_sources_with_options_name_the_mirror() {
    let sources = apt_sources::parse_one_line(
        "# a comment\n\
         deb-src http://src.example/debian bookworm main\n\
         deb [ arch=amd64 signed-by=/usr/share/keyrings/x.gpg ] http://mirror.example/debian bookworm main\n\
         deb http://security.example/debian-security bookworm-security main\n",
    );

    assert_eq!(
        apt_sources::choose_mirror(&sources).as_deref(),
        Some("http://mirror.example/debian")
    );
}

#[test]
fn a_host_on_another_release_still_yields_its_debian_mirror_but_never_security() {
    let sources = apt_sources::parse_one_line(
        "deb http://security.example/debian-security trixie-security main\n\
         deb file:///srv/local trixie main\n\
         deb http://mirror.example/debian trixie main\n",
    );

    assert_eq!(
        apt_sources::choose_mirror(&sources).as_deref(),
        Some("http://mirror.example/debian")
    );
}

#[test]
fn no_http_debian_source_means_no_mirror() {
    let sources = apt_sources::parse_one_line(
        "deb file:///srv/local bookworm main\n\
         deb http://security.example/debian-security bookworm-security main\n",
    );

    assert_eq!(apt_sources::choose_mirror(&sources), None);
}

/// A small runtime of its own, for tests that must control threads and panics.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|err| panic!("failed to start a tokio runtime: {err}"))
}
